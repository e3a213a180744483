// Verifies ecdsa-sd-2023 credentials with Digital Bazaar's cryptosuite, offline (did:key
// issuers, Satchel's vendored contexts). Usage: node verify_sd.mjs FILE...; prints one JSON
// line per file ({file, verified, error}) and exits 1 unless every file verifies.
import {readFileSync} from 'node:fs';
import {dirname, join} from 'node:path';
import {fileURLToPath} from 'node:url';
import * as EcdsaMultikey from '@digitalbazaar/ecdsa-multikey';
import {DataIntegrityProof} from '@digitalbazaar/data-integrity';
import {createVerifyCryptosuite} from '@digitalbazaar/ecdsa-sd-2023-cryptosuite';
import jsigs from 'jsonld-signatures';

const CONTEXTS = join(dirname(fileURLToPath(import.meta.url)), '..', 'wallet', 'verification',
  'contexts');
const contexts = Object.fromEntries(
  JSON.parse(readFileSync(join(CONTEXTS, 'manifest.json'), 'utf8')).map(
    entry => [entry.url, JSON.parse(readFileSync(join(CONTEXTS, entry.file), 'utf8'))]));

async function documentLoader(url) {
  if(url in contexts) {
    return {contextUrl: null, documentUrl: url, document: contexts[url]};
  }
  if(url.startsWith('did:key:')) {
    const [did, fragment] = url.split('#');
    const multibase = did.slice('did:key:'.length);
    const key = await EcdsaMultikey.from({
      '@context': 'https://w3id.org/security/multikey/v1', type: 'Multikey',
      id: `${did}#${multibase}`, controller: did, publicKeyMultibase: multibase
    });
    const method = await key.export({publicKey: true, includeContext: true});
    const document = fragment ? method : {
      '@context': ['https://www.w3.org/ns/did/v1', 'https://w3id.org/security/multikey/v1'],
      id: did, verificationMethod: [method], assertionMethod: [method.id]
    };
    return {contextUrl: null, documentUrl: url, document};
  }
  throw new Error(`not served offline: ${url}`);
}

let failures = 0;
for(const file of process.argv.slice(2)) {
  const credential = JSON.parse(readFileSync(file, 'utf8'));
  const result = await jsigs.verify(credential, {
    suite: new DataIntegrityProof({cryptosuite: createVerifyCryptosuite()}),
    purpose: new jsigs.purposes.AssertionProofPurpose(),
    documentLoader
  });
  const error = result.error ? String(result.error.errors?.[0] ?? result.error) : null;
  console.log(JSON.stringify({file, verified: result.verified, error}));
  failures += result.verified ? 0 : 1;
}
process.exit(failures ? 1 : 0);
