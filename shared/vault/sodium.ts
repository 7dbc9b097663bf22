import sodium from 'libsodium-wrappers-sumo';

export type Sodium = typeof sodium;

/** libsodium once its WASM is ready; every vault function takes the instance this returns. */
export async function loadSodium(): Promise<Sodium> {
  await sodium.ready;
  return sodium;
}
