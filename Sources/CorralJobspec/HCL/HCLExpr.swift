/// An HCL expression that needs evaluating (a reference, a function call, an operator, a template with
/// an interpolation, a for-expression), as parsed, with where each part was written. `HCLResolver`
/// evaluates it into a literal `HCLExpression` before a job is decoded.
public struct HCLExpr: Equatable, Sendable {
    public var kind: Kind
    public var range: SourceRange

    public init(_ kind: Kind, range: SourceRange) {
        self.kind = kind
        self.range = range
    }

    public indirect enum Kind: Equatable, Sendable {
        /// A literal value, as the parser reads it (strings without a template sequence among them).
        case literal(HCLExpression)
        /// A string holding `${...}` sequences: its parts in order (`%{...}` directives stay text).
        case template([TemplatePart])
        /// A name: `var`, `local`, a for-expression's or a dynamic block's iterator, or a name the
        /// runner fills in (`attr`, `node`, `meta`, `NOMAD_...`), which only a template may name.
        case variable(String)
        /// `value.name`
        case attribute(HCLExpr, String)
        /// `value[key]`
        case index(HCLExpr, HCLExpr)
        /// `value[*].a.b` or `value.*.a.b`: the traversal after the splat, applied to each element.
        case splat(HCLExpr, [SplatStep])
        /// `name(arguments)`; `expandsLast`: the last argument was followed by `...`.
        case call(String, [HCLExpr], expandsLast: Bool)
        /// `!value`, `-value`
        case unary(String, HCLExpr)
        /// `a OP b` for the arithmetic, comparison and logical operators.
        case binary(String, HCLExpr, HCLExpr)
        /// `condition ? a : b`
        case conditional(HCLExpr, HCLExpr, HCLExpr)
        /// `[a, b]` with an element that needs evaluating.
        case tuple([HCLExpr])
        /// `{ key = value }` with a key or value that needs evaluating; a bare-name key is its text.
        case object([ObjectMember])
        /// `[for k, v in collection : result if condition]`
        case forTuple(ForClause, result: HCLExpr)
        /// `{for k, v in collection : key => value if condition}`; `grouped`: `value...`.
        case forObject(ForClause, key: HCLExpr, value: HCLExpr, grouped: Bool)
    }

    /// A part of a template: text as written, or an interpolation with its source text (kept as
    /// written when it names only what the runner fills in).
    public enum TemplatePart: Equatable, Sendable {
        case text(String)
        case interpolation(HCLExpr, source: String)
    }

    /// A step of the traversal a splat applies to each element.
    public enum SplatStep: Equatable, Sendable {
        case attribute(String)
        case index(HCLExpr)
    }

    public struct ObjectMember: Equatable, Sendable {
        public var key: HCLExpr
        public var value: HCLExpr
    }

    /// `for key, value in collection` and the optional `if condition`.
    public struct ForClause: Equatable, Sendable {
        public var keyName: String?
        public var valueName: String
        public var collection: HCLExpr
        public var condition: HCLExpr?
    }
}
