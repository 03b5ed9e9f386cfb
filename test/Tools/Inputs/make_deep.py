"""Writes an input nested DEPTH levels deep: KIND DEPTH PATH, KIND one of
region (generic ops in regions), array (an array attribute), type (tuple
types), json (a model config with a nested list) (deep-nesting tests)."""
import sys

kind, depth, path = sys.argv[1], int(sys.argv[2]), sys.argv[3]
with open(path, "w") as f:
    if kind == "region":
        f.write('"test.op"() ({\n' * depth + "}) : () -> ()\n" * depth)
    elif kind == "array":
        f.write('"test.op"() {a = ' + "[" * depth + "]" * depth + "} : () -> ()\n")
    elif kind == "type":
        f.write('"test.op"() : () -> (' + "tuple<" * depth + ">" * depth + ")\n")
    elif kind == "json":
        f.write('{"num_hidden_layers": 1, "x": ' + "[" * depth + "]" * depth + "}\n")
    else:
        sys.exit("unknown kind " + kind)
