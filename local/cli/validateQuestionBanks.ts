// Build step: every shipped question bank (data/question-banks/*.json) must pass the same validation an
// import does; the build fails, naming each problem, when one does not.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseQuestionBank } from '../../shared/domain/questionBank/questionBank';

const folder = process.argv[2] ?? join(process.cwd(), 'data', 'question-banks');
let failed = false;
for (const file of readdirSync(folder).filter((name) => name.endsWith('.json'))) {
  const parsed = parseQuestionBank(JSON.parse(readFileSync(join(folder, file), 'utf8')));
  if (parsed.ok) continue;
  failed = true;
  for (const problem of parsed.problems) process.stderr.write(`${file}${problem.pointer}: ${problem.detail}\n`);
}
process.exit(failed ? 1 : 0);
