// Issues the independent-implementation fixtures of tests/fixtures/independent/ (run by
// `make crosscheck-fixtures`; the committed files are its output, kept as they came out):
//   ecdsa-sd-2023: base proof and two disclosures by Digital Bazaar's cryptosuite;
//   JsonWebSignature2020: Ed25519 and P-256 by Transmute's suite, RSA (PS256) by Transmute's
//     canonicalization and panva/jose's detached JWS (Transmute has no RSA keys);
//   RsaSignature2018: jsonld-signatures 6 with crypto-ld's RSAKeyPair.
// Everything is offline: contexts come from Satchel's vendored set, keys are made here.
import {createRequire} from 'node:module';
import {readFileSync, writeFileSync, mkdirSync} from 'node:fs';
import {dirname, join} from 'node:path';
import {fileURLToPath} from 'node:url';
import * as EcdsaMultikey from '@digitalbazaar/ecdsa-multikey';
import {DataIntegrityProof} from '@digitalbazaar/data-integrity';
import {
  createSignCryptosuite, createDiscloseCryptosuite
} from '@digitalbazaar/ecdsa-sd-2023-cryptosuite';
import jsigs from 'jsonld-signatures';
import {JsonWebKey, JsonWebSignature} from '@transmute/json-web-signature';
import * as jose from 'jose';

const require = createRequire(import.meta.url);
const jsigs6 = require('jsonld-signatures-v6');
const {RSAKeyPair} = require('crypto-ld');

const HERE = dirname(fileURLToPath(import.meta.url));
const REPO = join(HERE, '..');
const OUT = join(REPO, 'tests', 'fixtures', 'independent');
const CONTEXTS = join(REPO, 'wallet', 'verification', 'contexts');
const contexts = Object.fromEntries(
  JSON.parse(readFileSync(join(CONTEXTS, 'manifest.json'), 'utf8')).map(
    entry => [entry.url, JSON.parse(readFileSync(join(CONTEXTS, entry.file), 'utf8'))]));

const served = {};  // key documents made below, by id
function load(url) {
  const base = url.split('#')[0];
  if(url in contexts) {
    return {contextUrl: null, documentUrl: url, document: contexts[url]};
  }
  if(url in served) {
    return {contextUrl: null, documentUrl: url, document: served[url]};
  }
  if(base in served) {
    return {contextUrl: null, documentUrl: url, document: served[base]};
  }
  throw new Error(`not served offline: ${url}`);
}
const documentLoader = async url => load(url);

function write(name, value) {
  mkdirSync(OUT, {recursive: true});
  writeFileSync(join(OUT, name), JSON.stringify(value, null, 2) + '\n');
  console.log(`wrote ${name}`);
}

const OB_CONTEXTS = [
  'https://www.w3.org/ns/credentials/v2',
  'https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json'
];

function badge(issuer) {
  return {
    '@context': OB_CONTEXTS,
    id: 'urn:uuid:6d1c7e1e-2f3a-4b8e-9a55-4c0c9e8f1a01',
    type: ['VerifiableCredential', 'OpenBadgeCredential'],
    name: 'Welding Safety',
    issuer: {id: issuer, type: ['Profile'], name: 'Harbour Technical College'},
    validFrom: '2025-01-15T00:00:00Z',
    credentialSubject: {
      id: 'did:example:learner-42',
      type: ['AchievementSubject'],
      achievement: {
        id: 'https://harbour.example/achievements/welding-safety',
        type: ['Achievement'],
        name: 'Welding Safety',
        description: 'Safe practice in a welding workshop.',
        criteria: {narrative: 'Passed the practical and the written test.'}
      },
      result: [
        {type: ['Result'], value: '92'},
        {type: ['Result'], value: 'distinction'}
      ],
      creditsEarned: 3
    }
  };
}

async function ecdsaSd() {
  const key = await EcdsaMultikey.generate({curve: 'P-256'});
  const did = `did:key:${key.publicKeyMultibase}`;
  key.id = `${did}#${key.publicKeyMultibase}`;
  key.controller = did;
  const vm = await key.export({publicKey: true, includeContext: true});
  served[did] = {
    '@context': ['https://www.w3.org/ns/did/v1', 'https://w3id.org/security/multikey/v1'],
    id: did, verificationMethod: [vm], assertionMethod: [vm.id]
  };
  served[vm.id] = vm;
  const mandatoryPointers = [
    '/issuer', '/validFrom', '/credentialSubject/achievement', '/name'
  ];
  const base = await jsigs.sign(badge(did), {
    suite: new DataIntegrityProof({
      signer: key.signer(), cryptosuite: createSignCryptosuite({mandatoryPointers})
    }),
    purpose: new jsigs.purposes.AssertionProofPurpose(),
    documentLoader
  });
  write('ecdsa-sd-2023-base.json', base);
  const derive = async selectivePointers => jsigs.derive(base, {
    suite: new DataIntegrityProof({
      cryptosuite: createDiscloseCryptosuite({selectivePointers})
    }),
    purpose: new jsigs.purposes.AssertionProofPurpose(),
    documentLoader
  });
  write('ecdsa-sd-2023-derived.json', await derive(
    ['/credentialSubject/id', '/credentialSubject/result/0']));
  write('ecdsa-sd-2023-derived-mandatory-only.json', await derive([]));
}

function vcV1(issuer) {
  return {
    '@context': [
      'https://www.w3.org/2018/credentials/v1',
      'https://w3id.org/security/suites/jws-2020/v1'
    ],
    id: 'urn:uuid:0c07c1ce-57cb-41af-bef2-1b932b986873',
    type: ['VerifiableCredential'],
    issuer,
    issuanceDate: '2024-03-01T00:00:00Z',
    credentialSubject: {id: 'did:example:learner-42'}
  };
}

function didJwk(jwk) {
  const {kty, crv, x, y, n, e} = jwk;  // the public members only
  const pub = Object.fromEntries(
    Object.entries({crv, e, kty, n, x, y}).filter(([, v]) => v !== undefined));
  return 'did:jwk:' + Buffer.from(JSON.stringify(pub)).toString('base64url');
}

async function jsonWebSignature2020() {
  for(const [name, options] of [
    ['ed25519', {kty: 'OKP', crv: 'Ed25519'}],
    ['p256', {kty: 'EC', crv: 'P-256'}]
  ]) {
    const generated = await JsonWebKey.generate(options);
    const exported = await generated.export({type: 'JsonWebKey2020', privateKey: true});
    const did = didJwk(exported.publicKeyJwk);
    const key = await JsonWebKey.from({
      ...exported, id: `${did}#0`, controller: did
    });
    const signed = await jsigs.sign(vcV1(did), {
      suite: new JsonWebSignature({key, date: '2024-03-01T00:00:00Z'}),
      purpose: new jsigs.purposes.AssertionProofPurpose(),
      documentLoader
    });
    write(`jws2020-${name}.json`, signed);
  }
  // RSA: Transmute's canonicalization, panva/jose's PS256 detached JWS over it.
  const {publicKey, privateKey} = await jose.generateKeyPair('PS256', {modulusLength: 2048});
  const publicJwk = await jose.exportJWK(publicKey);
  const did = didJwk(publicJwk);
  const suite = new JsonWebSignature({date: '2024-03-01T00:00:00Z'});
  const document = vcV1(did);
  const proof = {
    '@context': document['@context'],
    type: 'JsonWebSignature2020',
    created: '2024-03-01T00:00:00Z',
    verificationMethod: `${did}#0`,
    proofPurpose: 'assertionMethod'
  };
  const verifyData = await suite.createVerifyData({document, proof, documentLoader});
  const jws = await new jose.CompactSign(verifyData)
    .setProtectedHeader({alg: 'PS256', b64: false, crit: ['b64']})
    .sign(privateKey);
  const [header, , signature] = jws.split('.');
  delete proof['@context'];
  write('jws2020-rsa.json', {...document, proof: {...proof, jws: `${header}..${signature}`}});
}

async function rsaSignature2018() {
  const issuer = 'https://harbour.example/issuers/1';
  const key = await RSAKeyPair.generate({
    id: `${issuer}#rsa-key-1`, controller: issuer
  });
  const controller = {
    '@context': ['https://w3id.org/security/v2'],
    id: issuer,
    assertionMethod: [{...key.publicNode(), '@context': undefined}]
  };
  delete controller.assertionMethod[0]['@context'];
  served[issuer] = controller;
  served[key.id] = {'@context': 'https://w3id.org/security/v2', ...key.publicNode()};
  const credential = {
    '@context': ['https://www.w3.org/2018/credentials/v1'],
    id: 'urn:uuid:3a9f2c2e-9a0e-4a53-8f0a-7f2b8b1e5d11',
    type: ['VerifiableCredential'],
    issuer,
    issuanceDate: '2023-05-01T00:00:00Z',
    credentialSubject: {id: 'did:example:learner-42'}
  };
  const signed = await jsigs6.sign(credential, {
    suite: new jsigs6.suites.RsaSignature2018({key, date: '2023-05-01T00:00:00Z'}),
    purpose: new jsigs6.purposes.AssertionProofPurpose({controller}),
    documentLoader,
    compactProof: false
  });
  write('rsa2018.json', signed);
  write('rsa2018-controller.json', controller);
}

await ecdsaSd();
await jsonWebSignature2020();
await rsaSignature2018();
