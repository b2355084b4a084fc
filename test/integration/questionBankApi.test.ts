// The question bank API on the real function registrations (local Functions host over real HTTP, a real
// local Cosmos server through the real SDK, real ES256 tokens): an administrator imports a new version
// (201), the same version again is a 409, an invalid file is answered with every problem and writes
// nothing, brands and the Gateway are refused, and everyone who works with self-assessments lists the
// versions and reads one in their language.
import caf150 from '../../data/question-banks/caf-1.5.0.json';
import { importQuestionBank } from '../../shared/app/questionBank/questionBanks';
import type { StoredDocument } from '../../shared/ports/documentStore';
import { startApiHarness, type ApiHarness } from '../support/apiHarness';

jest.setTimeout(120_000);

let api: ApiHarness;
const tokens: Record<string, string> = {};

beforeAll(async () => {
  api = await startApiHarness();
  for (const user of ['admin', 'fm-bd-1', 'registration-bd', 'advisor-bd', 'assessor-bd', 'brand-1', 'gateway']) {
    tokens[user] = await api.tokenFor(user);
  }
});

afterAll(async () => {
  await api?.stop();
});

interface Answer {
  status: number;
  headers: Headers;
  body: Record<string, unknown>;
}

async function call(method: string, path: string, user?: string, body?: unknown): Promise<Answer> {
  const headers: Record<string, string> = {};
  if (user) headers.authorization = `Bearer ${tokens[user]}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  const response = await fetch(`${api.base}${path}`, {
    method,
    headers,
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const text = await response.text();
  return { status: response.status, headers: response.headers, body: text ? JSON.parse(text) : {} };
}

/** The shipped 1.5.0 file under another version number: a valid new version. */
const shippedQuestionCount = (caf150.sections as { subsections: { questions: unknown[] }[] }[]).flatMap((s) =>
  s.subsections.flatMap((sub) => sub.questions)
).length;

const fileFor = (version: string) => ({ ...structuredClone(caf150), version }) as typeof caf150;

async function partitionOf(version: string): Promise<StoredDocument[]> {
  const page = await api.store.query('questionBanks', version, {
    query: 'SELECT * FROM c WHERE c.version = @pk',
  });
  return page.items;
}

it('an administrator imports a new version (201): manifest, part and audit event in its partition', async () => {
  const body = JSON.stringify(fileFor('1.6.0'));
  expect(body.length).toBeGreaterThan(300_000); // a realistic file, well under the 5 MB the endpoint takes
  const imported = await call('POST', '/question-banks', 'admin', fileFor('1.6.0'));
  expect(imported.status).toBe(201);
  expect(imported.headers.get('location')).toBe('/api/question-banks/1.6.0');
  expect(imported.body).toMatchObject({
    toolId: 'caf',
    version: '1.6.0',
    source: 'imported',
    latest: true,
    questionCount: shippedQuestionCount,
    importedBy: expect.any(String),
  });
  // A rare administrator action: the manifest check, the batch, the index of imported versions (read and
  // write) and the listing of versions in the answer.
  expect(Number(imported.headers.get('x-cosmos-round-trips'))).toBeLessThanOrEqual(6);
  const index = await api.store.read<StoredDocument & { versions: string[] }>(
    'questionBanks',
    'index',
    'imported-versions'
  );
  expect(index?.doc.versions).toContain('1.6.0');
  const docs = await partitionOf('1.6.0');
  expect(docs.map((doc) => doc.type).sort()).toEqual(['audit', 'questionBankManifest', 'questionBankPart']);
  expect(docs.find((doc) => doc.type === 'audit')).toMatchObject({
    action: 'questionBankImported',
    actor: { roles: ['Admin'] },
    after: { version: '1.6.0', questionCount: shippedQuestionCount },
  });
  for (const doc of docs) expect(Buffer.byteLength(JSON.stringify(doc))).toBeLessThan(1024 * 1024);
});

it('the same version again, or a shipped one, is a 409 and writes nothing', async () => {
  const before = await api.fingerprint();
  const again = await call('POST', '/question-banks', 'admin', fileFor('1.6.0'));
  expect(again.status).toBe(409);
  expect(again.body.detail).toMatch(/1\.6\.0 already exists/);
  const shipped = await call('POST', '/question-banks', 'admin', fileFor('1.4.0'));
  expect(shipped.status).toBe(409);
  expect(shipped.body.detail).toMatch(/built into the platform/);
  expect(await api.fingerprint()).toEqual(before);
});

it('an invalid file is answered 400 with every problem and its pointer, and writes nothing', async () => {
  const file = fileFor('1.7.0');
  const [first, second] = file.sections[1]!.subsections[0]!.questions as { id: string }[];
  second!.id = first!.id; // a duplicate id
  (file.sections[2]!.subsections[0]!.questions[0] as { id: string }).id = 'WH-REGULAR-1'; // a bad pattern
  delete (file.sections[3]!.subsections[0]!.questions[1]!.lawOverlay as Record<string, unknown>).VN; // no overlay
  Object.assign(file.sections[0]!.subsections[4]!.questions[0]!.answer, { min: 500, max: 10 }); // min > max
  delete (file.sections[4]!.subsections[0]!.questions[1] as { compliance?: unknown }).compliance; // no cluster
  const before = await api.fingerprint();
  const refused = await call('POST', '/question-banks', 'admin', file);
  expect(refused.status).toBe(400);
  expect(refused.headers.get('content-type')).toMatch(/application\/problem\+json/);
  const errors = refused.body.errors as { pointer: string; detail: string }[];
  expect(errors.map((e) => e.pointer).sort()).toEqual(
    [
      '/sections/0/subsections/4/questions/0/answer/min',
      '/sections/1/subsections/0/questions/1/id',
      '/sections/2/subsections/0/questions/0/id',
      '/sections/3/subsections/0/questions/1/lawOverlay/VN',
      '/sections/4/subsections/0/questions/1/compliance',
    ].sort()
  );
  expect(errors.find((e) => e.pointer.startsWith('/sections/1/'))!.detail).toMatch(/RH-REC-1 is already the id of/);
  expect(await api.fingerprint()).toEqual(before);
  expect(await partitionOf('1.7.0')).toEqual([]);
});

it('R21: brands and the Gateway are refused every question bank endpoint (403), no token 401; nothing written', async () => {
  const before = await api.fingerprint();
  for (const user of ['brand-1', 'gateway']) {
    expect((await call('GET', '/question-banks', user)).status).toBe(403);
    expect((await call('GET', '/question-banks/1.4.0', user)).status).toBe(403);
    expect((await call('POST', '/question-banks', user, fileFor('1.8.0'))).status).toBe(403);
  }
  for (const user of ['fm-bd-1', 'registration-bd', 'advisor-bd', 'assessor-bd']) {
    expect((await call('POST', '/question-banks', user, fileFor('1.8.0'))).status).toBe(403);
  }
  expect((await call('GET', '/question-banks')).status).toBe(401);
  expect(await api.fingerprint()).toEqual(before);
});

it('lists the versions, shipped and imported, to everyone who works with self-assessments', async () => {
  for (const user of ['fm-bd-1', 'registration-bd', 'advisor-bd', 'assessor-bd', 'admin']) {
    const list = await call('GET', '/question-banks', user);
    expect(list.status).toBe(200);
    const items = list.body.items as { version: string; source: string; latest: boolean }[];
    expect(items.map((v) => [v.version, v.source, v.latest])).toEqual([
      ['1.4.0', 'shipped', false],
      ['1.5.0', 'shipped', false],
      ['1.6.0', 'imported', true],
    ]);
  }
});

it('returns a version in the language asked for, English where there is no translation', async () => {
  const bn = await call('GET', '/question-banks/1.6.0?lang=bn', 'fm-bd-1');
  expect(bn.status).toBe(200);
  expect(bn.body).toMatchObject({ version: '1.6.0', lang: 'bn', source: 'imported' });
  const sections = bn.body.sections as {
    title: string;
    subsections: { name: string; category: string; questions: { id: string; text: string }[] }[];
  }[];
  expect(sections.map((s) => s.title)).toContain('কর্মঘণ্টা');
  expect(sections[0]!.subsections[0]).toMatchObject({ name: 'মৌলিক তথ্য', category: 'ফ্যাসিলিটি' });
  const questions = sections.flatMap((s) => s.subsections.flatMap((sub) => sub.questions));
  expect(questions).toHaveLength(shippedQuestionCount);
  expect(questions.find((x) => x.id === 'RH-AGE-1')!.text).toBe(
    'শ্রমিক নিয়োগের আগে কারখানা কি ন্যূনতম বয়সের শর্ত যাচাই করে?'
  );
  expect(questions.find((x) => x.id === 'FP-BAS-2')!.text).toBe('Other names the facility is known by (trade names)');

  const vi = await call('GET', '/question-banks/1.4.0?lang=vi&step=1&country=VN', 'advisor-bd');
  expect(vi.status).toBe(200);
  expect(vi.body).toMatchObject({ source: 'shipped', step: 1, country: 'VN' });
  const step1 = vi.body.sections as { code: string; subsections: { questions: { lawOverlay?: string }[] }[] }[];
  expect(step1.map((s) => s.code)).toEqual(['FP', 'RH', 'WH', 'WB', 'WT', 'WI', 'HS', 'TR']);
  expect(step1[0]!.subsections[0]!.questions[0]!.lawOverlay).toMatch(/enterprise registration certificate/);
});

it('answers 404 for a version that does not exist and 400 for a malformed version or language', async () => {
  expect((await call('GET', '/question-banks/9.9.9', 'admin')).status).toBe(404);
  expect((await call('GET', '/question-banks/latest', 'admin')).status).toBe(400);
  const badLanguage = await call('GET', '/question-banks/1.4.0?lang=fr', 'admin');
  expect(badLanguage.status).toBe(400);
  expect((badLanguage.body.errors as { pointer: string }[])[0]!.pointer).toBe('/lang');
});

it('a version stored in many parts through the real Cosmos SDK reads back whole over HTTP', async () => {
  const admin = { userId: 'admin-test', roles: ['Admin' as const], email: undefined, name: undefined };
  await importQuestionBank({ store: api.store, clock: api.clock, partBytes: 48 * 1024 }, admin, fileFor('2.0.0'));
  const docs = await partitionOf('2.0.0');
  expect(docs.filter((doc) => doc.type === 'questionBankPart').length).toBeGreaterThan(5);
  const read = await call('GET', '/question-banks/2.0.0', 'assessor-bd');
  expect(read.status).toBe(200);
  const ids = (read.body.sections as { subsections: { questions: { id: string }[] }[] }[]).flatMap((s) =>
    s.subsections.flatMap((sub) => sub.questions.map((x) => x.id))
  );
  const shippedIds = caf150.sections.flatMap((s) => s.subsections.flatMap((sub) => sub.questions.map((x) => x.id)));
  expect(ids).toEqual(shippedIds);
});

it('documents the three operations in the OpenAPI document, with the file schema of the import', async () => {
  const response = await fetch(`${api.base}/openapi.json`);
  expect(response.status).toBe(200);
  const document = (await response.json()) as {
    paths: Record<string, Record<string, { operationId: string; description?: string }>>;
    components: { schemas: Record<string, unknown> };
  };
  expect(document.paths['/question-banks']!.get!.operationId).toBe('listQuestionBanks');
  expect(document.paths['/question-banks']!.post!).toMatchObject({
    operationId: 'importQuestionBank',
    description: 'Roles: Admin.',
  });
  expect(document.paths['/question-banks/{version}']!.get!.operationId).toBe('getQuestionBank');
  expect(Object.keys(document.components.schemas)).toEqual(
    expect.arrayContaining(['QuestionBankFile', 'QuestionBankSummary', 'LocalisedQuestionBank'])
  );
});
