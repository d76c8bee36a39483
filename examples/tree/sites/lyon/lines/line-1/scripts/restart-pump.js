// Restarts the coolant pump after a trip (placeholder).
export async function run(plc) {
  await plc.write("P101.reset", true);
  await plc.write("P101.start", true);
}
