// Verifies credentials with Digital Bazaar's @digitalbazaar/vc, offline (the issuer's
// eddsa-rdfc-2022 proof, keys from did:key). Input (a JSON file named on the command line):
// {contexts: {url: document}, cases: {name: credential}}. Output: {name: {verified, error}}.
import {readFileSync} from 'node:fs';
import * as vc from '@digitalbazaar/vc';
import {DataIntegrityProof} from '@digitalbazaar/data-integrity';
import {cryptosuite as eddsaRdfc2022} from '@digitalbazaar/eddsa-rdfc-2022-cryptosuite';

const input = JSON.parse(readFileSync(process.argv[2], 'utf8'));

function didKeyDocument(did) {
  const multibase = did.slice('did:key:'.length).split('#')[0];
  const base = did.split('#')[0];
  const id = `${base}#${multibase}`;
  const method = {
    '@context': 'https://w3id.org/security/multikey/v1',
    id, type: 'Multikey', controller: base, publicKeyMultibase: multibase
  };
  return {
    '@context': ['https://www.w3.org/ns/did/v1', 'https://w3id.org/security/multikey/v1'],
    id: base, verificationMethod: [method], assertionMethod: [id], authentication: [id]
  };
}

async function documentLoader(url) {
  if(url in input.contexts) {
    return {contextUrl: null, documentUrl: url, document: input.contexts[url]};
  }
  if(url.startsWith('did:key:')) {
    const doc = didKeyDocument(url);
    return {contextUrl: null, documentUrl: url,
      document: url.includes('#') ? doc.verificationMethod[0] : doc};
  }
  throw new Error(`not served offline: ${url}`);
}

const suite = new DataIntegrityProof({cryptosuite: eddsaRdfc2022});
const out = {};
for(const [name, credential] of Object.entries(input.cases)) {
  try {
    const result = await vc.verifyCredential({
      credential, suite, documentLoader, checkStatus: async () => ({verified: true})
    });
    const errors = (result.error && result.error.errors) || (result.error ? [result.error] : []);
    out[name] = {verified: result.verified, error: errors.map(e => String(e.message || e)).join('; ')};
  } catch(e) {
    out[name] = {verified: false, error: String(e.message || e)};
  }
}
console.log(JSON.stringify(out, null, 2));
