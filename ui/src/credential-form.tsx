/** The credential form: a Bearer token, an API key or a user and password, kept in memory only. */
import { useState } from "preact/hooks";
import type { Credential } from "./api.js";
import { useId } from "./common.js";

export function CredentialForm({ reason, onSubmit, onCancel }: { readonly reason: string; readonly onSubmit: (c: Credential) => void; readonly onCancel?: () => void }) {
  const [kind, setKind] = useState<Credential["kind"]>("basic");
  const [secret, setSecret] = useState("");
  const [user, setUser] = useState("");
  const [password, setPassword] = useState("");
  const kindId = useId("cred-kind");
  const secretId = useId("cred-secret");
  const userId = useId("cred-user");
  const passwordId = useId("cred-password");
  return (
    <section class="card credential" aria-labelledby="credential-heading" data-testid="credential">
      <h2 id="credential-heading">A credential is needed</h2>
      <p role="alert" data-testid="refusal">{reason}</p>
      <form
        onSubmit={(event) => {
          event.preventDefault();
          if (kind === "basic") onSubmit({ kind, user, password });
          else if (kind === "apikey") onSubmit({ kind, key: secret });
          else onSubmit({ kind, token: secret });
          setSecret("");
          setPassword("");
        }}
      >
        <label for={kindId}>Kind</label>
        <select id={kindId} name="kind" value={kind} onChange={(e) => setKind(e.currentTarget.value as Credential["kind"])}>
          <option value="basic">User and password</option>
          <option value="bearer">Bearer token</option>
          <option value="apikey">API key (trk_…)</option>
        </select>
        {kind === "basic" ? (
          <>
            <label for={userId}>User</label>
            <input id={userId} name="user" autocomplete="off" spellcheck={false} value={user} onInput={(e) => setUser(e.currentTarget.value)} />
            <label for={passwordId}>Password</label>
            <input id={passwordId} name="password" type="password" autocomplete="off" value={password} onInput={(e) => setPassword(e.currentTarget.value)} />
          </>
        ) : (
          <>
            <label for={secretId}>{kind === "apikey" ? "API key" : "Token"}</label>
            <input id={secretId} name="secret" type="password" autocomplete="off" spellcheck={false} value={secret} onInput={(e) => setSecret(e.currentTarget.value)} />
          </>
        )}
        <div class="buttons">
          <button type="submit">Use this credential</button>
          {onCancel !== undefined ? (
            <button type="button" onClick={onCancel}>
              Cancel
            </button>
          ) : null}
        </div>
        <p class="hint">Kept in this tab's memory only and sent as <code>Authorization</code> with each call; a reload of the page forgets it.</p>
      </form>
    </section>
  );
}
