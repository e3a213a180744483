// Verifies the given credentials with @digitalbazaar/vc, offline, and prints timings as JSON.
// Input (a JSON file named on the command line): {iterations, contexts: {url: document},
// cases: {name: credential}}. Output: {name: {median_ms, verified, error}}.
import {readFileSync} from 'node:fs';
import {performance} from 'node:perf_hooks';
import * as vc from '@digitalbazaar/vc';
import {DataIntegrityProof} from '@digitalbazaar/data-integrity';
import {cryptosuite as eddsaRdfc2022} from '@digitalbazaar/eddsa-rdfc-2022-cryptosuite';
import * as Ed25519Multikey from '@digitalbazaar/ed25519-multikey';
import jsigs from 'jsonld-signatures';

const {purposes: {AssertionProofPurpose}} = jsigs;
const input = JSON.parse(readFileSync(process.argv[2], 'utf8'));

// did:key documents are derived from the DID itself: no network, as on the Python side.
function didKeyDocument(did) {
  const multibase = did.slice('did:key:'.length).split('#')[0];
  const id = `${did.split('#')[0]}#${multibase}`;
  const method = {
    '@context': 'https://w3id.org/security/multikey/v1',
    id, type: 'Multikey', controller: did.split('#')[0], publicKeyMultibase: multibase
  };
  return {
    '@context': ['https://www.w3.org/ns/did/v1', 'https://w3id.org/security/multikey/v1'],
    id: did.split('#')[0], verificationMethod: [method],
    assertionMethod: [id], authentication: [id]
  };
}

async function documentLoader(url) {
  if(url in input.contexts) {
    return {contextUrl: null, documentUrl: url, document: input.contexts[url]};
  }
  if(url.startsWith('did:key:')) {
    const doc = didKeyDocument(url);
    const document = url.includes('#') ? doc.verificationMethod[0] : doc;
    return {contextUrl: null, documentUrl: url, document};
  }
  throw new Error(`not served offline: ${url}`);
}

const suite = new DataIntegrityProof({cryptosuite: eddsaRdfc2022});

async function verifyOnce(credential) {
  const result = await vc.verifyCredential({
    credential, suite, documentLoader,
    purpose: new AssertionProofPurpose(),
    checkStatus: async () => ({verified: true})
  });
  return result;
}

const out = {};
for(const [name, credential] of Object.entries(input.cases)) {
  const first = await verifyOnce(structuredClone(credential));
  const times = [];
  for(let i = 0; i < input.iterations; i++) {
    const copy = structuredClone(credential);
    const start = performance.now();
    await verifyOnce(copy);
    times.push(performance.now() - start);
  }
  times.sort((a, b) => a - b);
  out[name] = {
    median_ms: times[Math.floor(times.length / 2)],
    verified: first.verified,
    error: first.verified ? null : String(first.error?.errors?.[0]?.message ?? first.error)
  };
}
// Keep Ed25519Multikey imported so the suite can build verifiers from Multikey documents.
void Ed25519Multikey;
process.stdout.write(JSON.stringify(out));
