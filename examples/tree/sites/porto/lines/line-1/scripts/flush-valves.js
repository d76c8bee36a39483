// Flushes the CIP valves at the end of a batch (placeholder).
export async function run(plc) {
  for (const valve of ["V201", "V202", "V203"]) await plc.pulse(`${valve}.open`, 5000);
}
