// Argon2id in a worker thread: pwhash is synchronous WASM that would block the event loop, and the memory it
// grows (256 MiB at MODERATE) is only given back when the WASM instance goes away with the thread.
// Plain JavaScript so that it loads the same way under node, tsx and vitest.
import { parentPort, workerData } from 'node:worker_threads';
import sodium from 'libsodium-wrappers-sumo';

await sodium.ready;
const { passphrase, salt, opslimit, memlimit } = workerData;
const key = sodium.crypto_pwhash(32, passphrase, salt, opslimit, memlimit, sodium.crypto_pwhash_ALG_ARGON2ID13);
parentPort.postMessage(key);
