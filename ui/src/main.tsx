import { render } from "preact";
import { App } from "./app.js";
import "./styles.css";

const mount = document.getElementById("app");
if (mount === null) throw new Error("the page has no #app element");
render(<App />, mount);
