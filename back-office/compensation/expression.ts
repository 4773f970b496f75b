/**
 * The plan's safe expression language: conditions and formulas over the metrics a rule is given,
 * and nothing else. Parsed with jsep into an AST, type-checked, and evaluated by our own walker over
 * exact rationals and booleans. There is no eval, no property access, no `this`, no strings.
 */
import jsep from 'jsep';
import {
  type Rational,
  add,
  cmp,
  div,
  fromDecimal,
  mul,
  neg,
  rational,
  roundRational,
  sub,
  ZERO,
} from './exact';

export type Value = Rational | boolean;
export type ValueType = 'number' | 'boolean';
export type Scope = Readonly<Record<string, Rational | boolean>>;

export class ExpressionError extends Error {
  constructor(
    message: string,
    readonly expression: string,
  ) {
    super(message);
    this.name = 'ExpressionError';
  }
}

export interface CompiledExpression {
  readonly source: string;
  readonly type: ValueType;
  /** Metric names the expression reads. */
  readonly names: readonly string[];
  evaluate(scope: Scope): Value;
}

type Node = jsep.Expression;
type Evaluator = (scope: Scope) => Value;

const FUNCTIONS = new Set(['min', 'max', 'round', 'floor', 'ceil', 'abs', 'if']);
const ARITHMETIC = new Set(['+', '-', '*', '/']);
const COMPARISON = new Set(['<', '<=', '>', '>=', '==', '!=', '===', '!==']);
const LOGICAL = new Set(['&&', '||']);

const isNumber = (v: Value): v is Rational => typeof v === 'object';

/**
 * Compiles `source` allowing only `names` as identifiers. `expect` states the type the rule needs
 * (a condition is boolean, a formula is a number). Throws ExpressionError with the reason.
 */
export function compileExpression(
  source: string,
  names: Iterable<string>,
  expect?: ValueType,
): CompiledExpression {
  const allowed = new Set(names);
  let ast: Node;
  try {
    ast = jsep(String(source));
  } catch (error) {
    throw new ExpressionError(`does not parse: ${(error as Error).message}`, source);
  }
  const used = new Set<string>();
  const fail = (reason: string): never => {
    throw new ExpressionError(reason, source);
  };

  const build = (node: Node): { type: ValueType; run: Evaluator } => {
    switch (node.type) {
      case 'Literal': {
        const value = (node as jsep.Literal).value;
        if (typeof value === 'boolean') return { type: 'boolean', run: () => value };
        if (typeof value === 'number') {
          const exact = fromDecimal((node as jsep.Literal).raw);
          return { type: 'number', run: () => exact };
        }
        return fail(`only numbers and true/false are allowed, not ${(node as jsep.Literal).raw}`);
      }
      case 'Identifier': {
        const name = (node as jsep.Identifier).name;
        if (!allowed.has(name)) {
          return fail(`unknown name '${name}'; allowed: ${[...allowed].sort().join(', ') || '(none)'}`);
        }
        used.add(name);
        return {
          type: 'number',
          run: (scope) => {
            const v = scope[name];
            if (v === undefined) throw new ExpressionError(`no value for '${name}'`, source);
            return v;
          },
        };
      }
      case 'UnaryExpression': {
        const u = node as jsep.UnaryExpression;
        const arg = build(u.argument);
        if (u.operator === '!') {
          if (arg.type !== 'boolean') fail(`'!' needs a condition`);
          return { type: 'boolean', run: (s) => !arg.run(s) };
        }
        if (u.operator === '-' || u.operator === '+') {
          if (arg.type !== 'number') fail(`'${u.operator}' needs a number`);
          return { type: 'number', run: u.operator === '-' ? (s) => neg(arg.run(s) as Rational) : arg.run };
        }
        return fail(`operator '${u.operator}' is not allowed`);
      }
      case 'BinaryExpression': {
        const b = node as jsep.BinaryExpression;
        const left = build(b.left);
        const right = build(b.right);
        const op = b.operator;
        if (ARITHMETIC.has(op)) {
          if (left.type !== 'number' || right.type !== 'number') fail(`'${op}' needs numbers on both sides`);
          const f = op === '+' ? add : op === '-' ? sub : op === '*' ? mul : div;
          return {
            type: 'number',
            run: (s) => {
              try {
                return f(left.run(s) as Rational, right.run(s) as Rational);
              } catch (error) {
                throw new ExpressionError((error as Error).message, source);
              }
            },
          };
        }
        if (COMPARISON.has(op)) {
          if (left.type !== right.type) fail(`'${op}' compares a ${left.type} with a ${right.type}`);
          const test = (c: number) =>
            op === '<'
              ? c < 0
              : op === '<='
                ? c <= 0
                : op === '>'
                  ? c > 0
                  : op === '>='
                    ? c >= 0
                    : op.startsWith('=')
                      ? c === 0
                      : c !== 0;
          if (left.type === 'boolean') {
            if (!['==', '!=', '===', '!=='].includes(op)) fail(`'${op}' cannot compare conditions`);
            return { type: 'boolean', run: (s) => test(left.run(s) === right.run(s) ? 0 : 1) };
          }
          return {
            type: 'boolean',
            run: (s) => test(cmp(left.run(s) as Rational, right.run(s) as Rational)),
          };
        }
        if (LOGICAL.has(op)) {
          if (left.type !== 'boolean' || right.type !== 'boolean')
            fail(`'${op}' needs conditions on both sides`);
          return op === '&&'
            ? { type: 'boolean', run: (s) => (left.run(s) as boolean) && (right.run(s) as boolean) }
            : { type: 'boolean', run: (s) => (left.run(s) as boolean) || (right.run(s) as boolean) };
        }
        return fail(`operator '${op}' is not allowed`);
      }
      case 'ConditionalExpression': {
        const c = node as jsep.ConditionalExpression;
        return conditional(build(c.test), build(c.consequent), build(c.alternate));
      }
      case 'CallExpression': {
        const call = node as jsep.CallExpression;
        if (call.callee.type !== 'Identifier')
          return fail('only the functions min, max, round, floor, ceil, abs, if may be called');
        const name = (call.callee as jsep.Identifier).name;
        if (!FUNCTIONS.has(name))
          return fail(`unknown function '${name}'; allowed: ${[...FUNCTIONS].join(', ')}`);
        const args = call.arguments.map(build);
        if (name === 'if') {
          if (args.length !== 3) fail(`if(condition, then, else) takes 3 arguments`);
          return conditional(args[0], args[1], args[2]);
        }
        if (args.some((a) => a.type !== 'number')) fail(`${name}() takes numbers`);
        if (name === 'min' || name === 'max') {
          if (args.length < 1) fail(`${name}() needs at least one argument`);
          const pick = name === 'min' ? -1 : 1;
          return {
            type: 'number',
            run: (s) =>
              args.map((a) => a.run(s) as Rational).reduce((best, v) => (cmp(v, best) === pick ? v : best)),
          };
        }
        if (name === 'abs') {
          if (args.length !== 1) fail('abs() takes one argument');
          return {
            type: 'number',
            run: (s) => {
              const v = args[0].run(s) as Rational;
              return v.n < 0n ? neg(v) : v;
            },
          };
        }
        // round(x[, places]), floor(x), ceil(x): half away from zero, towards -inf, towards +inf.
        if (args.length < 1 || args.length > (name === 'round' ? 2 : 1))
          fail(`${name}() takes ${name === 'round' ? '1 or 2 arguments' : 'one argument'}`);
        return {
          type: 'number',
          run: (s) => {
            const v = args[0].run(s) as Rational;
            let places = 0n;
            if (args[1]) {
              const p = args[1].run(s) as Rational;
              if (p.d !== 1n || p.n < 0n || p.n > 10n)
                throw new ExpressionError('round() places must be 0..10', source);
              places = p.n;
            }
            const scale = 10n ** places;
            const scaled = rational(v.n * scale, v.d);
            let q: bigint;
            if (name === 'round') q = roundRational(scaled, 'half_up');
            else {
              q = scaled.n / scaled.d; // truncates toward zero
              const exact = q * scaled.d === scaled.n;
              if (!exact && name === 'floor' && scaled.n < 0n) q -= 1n;
              if (!exact && name === 'ceil' && scaled.n > 0n) q += 1n;
            }
            return rational(q, scale);
          },
        };
      }
      default:
        return fail(
          `${node.type.replace(/Expression$/, '').toLowerCase() || node.type} is not allowed in a plan formula`,
        );
    }
  };

  const conditional = (
    test: { type: ValueType; run: Evaluator },
    yes: { type: ValueType; run: Evaluator },
    no: { type: ValueType; run: Evaluator },
  ) => {
    if (test.type !== 'boolean') fail('the condition of ?: / if() must be a condition');
    if (yes.type !== no.type) fail('both branches of ?: / if() must have the same type');
    return { type: yes.type, run: (s: Scope) => (test.run(s) ? yes.run(s) : no.run(s)) };
  };

  const root = build(ast);
  if (expect && root.type !== expect) {
    fail(
      expect === 'boolean'
        ? 'must be a condition (true/false), not a number'
        : 'must be a number, not a condition',
    );
  }
  return { source, type: root.type, names: [...used].sort(), evaluate: root.run };
}

/** Convenience for tests and explanations. */
export function evaluateNumber(expr: CompiledExpression, scope: Scope): Rational {
  const v = expr.evaluate(scope);
  if (!isNumber(v)) throw new ExpressionError('expected a number', expr.source);
  return v;
}

export function evaluateCondition(expr: CompiledExpression, scope: Scope): boolean {
  const v = expr.evaluate(scope);
  if (isNumber(v)) throw new ExpressionError('expected a condition', expr.source);
  return v;
}

export { ZERO };
