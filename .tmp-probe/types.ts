import ts from 'typescript';
const program = ts.createProgram(['/work/wt/openapi/.tmp-probe/probe.ts'], { strict: true, target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.Node16, moduleResolution: ts.ModuleResolutionKind.Node16, esModuleInterop: true, skipLibCheck: true, resolveJsonModule: true });
const checker = program.getTypeChecker();
const sf = program.getSourceFile('/work/wt/openapi/.tmp-probe/probe.ts')!;
function expand(t: ts.Type, depth: number, seen: Set<ts.Type>): string {
  const pad = '  '.repeat(depth);
  if (depth > 5 || seen.has(t)) return checker.typeToString(t);
  if (t.isUnion()) return t.types.map((x) => expand(x, depth, seen)).join(' | ');
  const s = checker.typeToString(t);
  if (checker.isArrayType(t)) return `Array<${expand(checker.getTypeArguments(t as ts.TypeReference)[0], depth, seen)}>`;
  if (t.flags & ts.TypeFlags.Object && !['Date', 'Buffer', 'string', 'number'].includes(s) && t.getProperties().length && !s.startsWith('Map<') && !s.startsWith('Set<') ) {
    const next = new Set(seen); next.add(t);
    return '{\n' + t.getProperties().map((p) => {
      const pt = checker.getTypeOfSymbolAtLocation(p, sf);
      const opt = p.flags & ts.SymbolFlags.Optional ? '?' : '';
      return `${pad}  ${p.name}${opt}: ${expand(pt, depth + 1, next)}`;
    }).join('\n') + `\n${pad}}`;
  }
  return s;
}
ts.forEachChild(sf, (node) => {
  if (ts.isTypeAliasDeclaration(node)) {
    const t = checker.getTypeAtLocation(node.name);
    console.log(`== ${node.name.text}: ${expand(t, 0, new Set())}`);
  }
});
