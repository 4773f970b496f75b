/**
 * `npm run lint:api`: builds the API with every route area, writes its OpenAPI document to a
 * temporary file and lints it with Redocly CLI (redocly.yaml: the recommended rules). Prints one line
 * per problem with where it is in the document; exits 1 on any error, warnings do not fail.
 */
import { fullOpenApiDocument, lintDocument } from '../test/api/support/openapi-lint';

/** `#/paths/~1api~1periods/get/responses` -> `GET /api/periods (responses)`. */
function where(pointer: string): string {
  const parts = pointer
    .replace(/^#\//, '')
    .split('/')
    .map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'));
  if (parts[0] !== 'paths' || parts.length < 3) return pointer;
  const rest = parts.slice(3).join('/');
  return `${parts[2].toUpperCase()} ${parts[1]}${rest ? ` (${rest})` : ''}`;
}

async function main(): Promise<void> {
  const document = await fullOpenApiDocument();
  const operations = Object.values(document.paths as Record<string, object>).reduce(
    (n, item) => n + Object.keys(item).length,
    0,
  );
  const result = lintDocument(document, { keep: true });
  for (const p of result.problems)
    console.log(
      `${p.severity === 'error' ? 'error' : 'warning'}  ${p.ruleId}  ${where(p.pointer)}  ${p.message}`,
    );
  console.log(
    `redocly lint: ${operations} operations, ${result.errors} error(s), ${result.warnings} warning(s) (document: ${result.documentPath})`,
  );
  process.exitCode = result.status === 0 && result.errors === 0 ? 0 : 1;
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
