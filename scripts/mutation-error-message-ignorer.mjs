// A Stryker ignorer (https://stryker-mutator.io/docs/stryker-js/disable-mutants/#using-an-ignore-plugin):
// mutants inside an error's message are not tested behaviour (errors carry their meaning in `code`
// and `labels`; docs/errors.md), so they are ignored — and only they, unlike
// `mutator.excludedMutations: ['StringLiteral']`, which would also drop the strings that decide
// something (node types, option names, `'majority'`).
//
// "An error's message" is the first argument of
//   - `new XError(…)`, for any constructor whose name ends in `Error` (ReplicaKitError and its
//     subclasses, RangeError, TypeError), and
//   - a call of a plain function that is thrown at once with literal text, `throw invalid(`…`)` (a
//     helper that builds the error; `throw this.#ended('deadline')` and `throw stop(error)` are not
//     messages and stay mutated).
//   - a zod check's message, the text argument of `.int(…)`, `.min(…, …)`, `.max(…, …)`,
//     `.regex(…, …)` or `.refine(…, …)` (it becomes the ConfigError's message; the bound stays mutated).
// The whole argument is ignored, template literals, conditionals and concatenations included, so
// `reason === 'aborted' ? 'aborted …' : 'timed out …'` inside a message is ignored too. The second
// argument (code, labels, cause) is mutated as usual.
import { PluginKind, declareValuePlugin } from '@stryker-mutator/api/plugin'

const REASON = 'an error message (scripts/mutation-error-message-ignorer.mjs)'

const TEXT = new Set(['StringLiteral', 'TemplateLiteral'])
const ZOD_CHECKS = new Set(['int', 'min', 'max', 'length', 'regex', 'refine', 'nonnegative'])

/** The name a callee is known by: `X` for `X` and `errors.X`. */
function calleeName(callee) {
  if (callee.type === 'Identifier') return callee.name
  if (callee.type === 'MemberExpression' && callee.property.type === 'Identifier') {
    return callee.property.name
  }
  return undefined
}

/** Literal text: a string, a template, or a `+` of them. */
function isText(node) {
  if (TEXT.has(node.type)) return true
  return (
    node.type === 'BinaryExpression' &&
    node.operator === '+' &&
    (isText(node.left) || isText(node.right))
  )
}

function isMessageArgument(path) {
  const parent = path.parentPath
  if (parent === null || path.listKey !== 'arguments') return false
  const call = parent.node
  if (
    call.type === 'CallExpression' &&
    call.callee.type === 'MemberExpression' &&
    call.callee.property.type === 'Identifier' &&
    ZOD_CHECKS.has(call.callee.property.name)
  ) {
    return isText(path.node)
  }
  if (path.key !== 0) return false
  if (call.type === 'NewExpression') return calleeName(call.callee)?.endsWith('Error') === true
  if (call.type === 'CallExpression') {
    return (
      call.callee.type === 'Identifier' &&
      parent.parentPath?.node.type === 'ThrowStatement' &&
      isText(path.node)
    )
  }
  return false
}

export const strykerPlugins = [
  declareValuePlugin(PluginKind.Ignore, 'error-messages', {
    shouldIgnore(path) {
      return isMessageArgument(path) ? REASON : undefined
    },
  }),
]
