// Credentials made by an independent SD-JWT issuer: the OpenWallet Foundation's sd-jwt-js
// (npm @sd-jwt/sd-jwt-vc, @sd-jwt/crypto-nodejs, @sd-jwt/jwt-status-list, 0.19.0).
// Run once, offline, with those packages installed (see README.md); its output,
// fixtures.json, is what the tests read. Nothing here is the wallet's code.
import { createSign, generateKeyPairSync, sign as nodeSign } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { SDJwtVcInstance } from '@sd-jwt/sd-jwt-vc';
import { ES256, digest, generateSalt } from '@sd-jwt/crypto-nodejs';
import { StatusList, createHeaderAndPayload } from '@sd-jwt/jwt-status-list';

const ISSUER = 'https://issuer.independent.example';
const LIST_URI = `${ISSUER}/status/1`;
const b64url = (b) => Buffer.from(b).toString('base64url');

const issuerKeys = await ES256.generateKeyPair();
const holderKeys = await ES256.generateKeyPair();
const issuerSigner = await ES256.getSigner(issuerKeys.privateKey);
const holderSigner = await ES256.getSigner(holderKeys.privateKey);
const hasher = (data, alg) => digest(data, alg);

const sdjwt = new SDJwtVcInstance({
  signer: issuerSigner, signAlg: 'ES256', hasher, hashAlg: 'sha-256',
  saltGenerator: generateSalt, kbSigner: holderSigner, kbSignAlg: 'ES256',
});
const { d: _d, ...holderPublic } = holderKeys.publicKey;

const claims = (idx) => ({
  iss: ISSUER,
  iat: 1767225600, // 2026-01-01
  exp: 1893456000, // 2030-01-01
  vct: 'https://credentials.independent.example/OpenBadgeCredential',
  cnf: { jwk: holderPublic },
  status: { status_list: { idx, uri: LIST_URI } },
  name: 'Data Stewardship',
  achievement: { name: 'Data Stewardship', criteria: 'Passed the course', level: 'EQF 6' },
  given_name: 'Robin',
  family_name: 'Jansen',
  email: 'robin@example.nl',
  skills: ['curation', 'metadata', 'ethics'],
});
const frame = {
  _sd: ['given_name', 'family_name', 'email', 'achievement'],
  achievement: { _sd: ['level'] },
  skills: { _sd: [0, 1, 2], _sd_decoy: 2 },
  _sd_decoy: 3,
};
const header = { typ: 'dc+sd-jwt', kid: 'key-1' };
const issued = {};
for (const [name, idx] of [['valid', 3], ['revoked', 5], ['suspended', 7]]) {
  issued[name] = await sdjwt.issue(claims(idx), frame, { header });
}

// The issuer's status list: 2 bits per credential; 5 revoked (1), 7 suspended (2).
const list = new StatusList(new Array(64).fill(0), 2);
list.setStatus(5, 1);
list.setStatus(7, 2);
const { header: listHeader, payload: listPayload } = createHeaderAndPayload(
  list,
  { iss: ISSUER, sub: LIST_URI, iat: 1767225600, exp: 1893456000 },
  { alg: 'ES256', typ: 'statuslist+jwt', kid: 'key-1' },
);
const listInput = `${b64url(JSON.stringify(listHeader))}.${b64url(JSON.stringify(listPayload))}`;
const statusListJwt = `${listInput}.${await issuerSigner(listInput)}`;

// The holder presents two claims (one nested) with a key binding JWT.
const presented = await sdjwt.present(
  issued.valid,
  { given_name: true, achievement: { level: true }, skills: { 1: true } },
  { kb: { payload: { iat: 1767312000, aud: 'https://verifier.independent.example', nonce: 'n-0S6_WzA2Mj' } } },
);

// An eduBadges-style credential: the older vc+sd-jwt type, signed EdDSA, issuer a did:jwk.
const ed = generateKeyPairSync('ed25519');
const edJwk = ed.publicKey.export({ format: 'jwk' });
const didJwk = `did:jwk:${b64url(JSON.stringify(edJwk))}`;
const edSdjwt = new SDJwtVcInstance({
  signer: (data) => b64url(nodeSign(null, Buffer.from(data), ed.privateKey)),
  signAlg: 'EdDSA', hasher, hashAlg: 'sha-256', saltGenerator: generateSalt,
});
const edBadge = await edSdjwt.issue(
  {
    iss: didJwk,
    iat: 1767225600,
    vct: 'OpenBadgeCredential',
    credentialSubject: {
      type: ['AchievementSubject'],
      achievement: { name: 'Introduction to Research Data', criteria: { narrative: 'Completed all modules' } },
      email: 'robin@example.nl',
    },
  },
  { credentialSubject: { _sd: ['email', 'achievement'] } },
  { header: { typ: 'vc+sd-jwt', kid: `${didJwk}#0` } },
);

writeFileSync(process.argv[2] ?? new URL('./fixtures.json', import.meta.url), JSON.stringify({
  generator: '@sd-jwt/sd-jwt-vc 0.19.0, @sd-jwt/crypto-nodejs 0.19.0, @sd-jwt/jwt-status-list 0.19.0',
  issuer: ISSUER,
  issuer_jwk: { ...issuerKeys.publicKey, kid: 'key-1' },
  status_list_uri: LIST_URI,
  status_list_jwt: statusListJwt,
  issued,
  presented,
  presented_kb: { nonce: 'n-0S6_WzA2Mj', aud: 'https://verifier.independent.example', iat: 1767312000 },
  holder_private_jwk: holderKeys.privateKey,
  eddsa_vc_sd_jwt: edBadge,
}, null, 2) + '\n');
console.log('fixtures.json written');
