#!/usr/bin/env python3
"""Writes the project's .proto files from the Mesos v1 wire-schema facts.

The facts are a google.protobuf.FileDescriptorSet in protobuf text format
(../shared/mesos-api/mesos-v1-descriptors.txtpb). Every name, number, label,
type, default, oneof and enum value is taken from it, so the generated files
describe exactly the wire format a real master speaks; layout and comments are
ours. The output is committed (proto/), this script only re-derives it:

    tools/protogen/protogen.py ../shared/mesos-api/mesos-v1-descriptors.txtpb proto

The conformance test (test/schema_conformance_test.cpp) checks the result
field by field against the same facts, so a mistake here cannot go unnoticed.

No dependency beyond the Python standard library: the text format subset used
by descriptor sets (nested blocks, `key: scalar`) is parsed by hand below.
"""
import os
import re
import sys

# The files we publish, and what each is for (goes into the file header).
WANTED = {
    "mesos/v1/mesos.proto": "Common Mesos v1 types: ids, resources, tasks, offers, containers.",
    "mesos/v1/scheduler/scheduler.proto": "The v1 scheduler HTTP API: Call (scheduler -> master) and Event (master -> scheduler).",
    "mesos/v1/executor/executor.proto": "The v1 executor HTTP API: Call (executor -> agent) and Event (agent -> executor).",
    "mesos/v1/master/master.proto": "The v1 operator API of a master: Call, Response and the SUBSCRIBE stream's Event.",
    "mesos/v1/agent/agent.proto": "The v1 operator API of an agent: Call and Response.",
    "mesos/v1/maintenance/maintenance.proto": "Maintenance windows and schedules, as the master's operator API speaks them.",
    "mesos/v1/quota/quota.proto": "Quota requests, configs and statuses, as the master's operator API speaks them.",
    "mesos/v1/allocator/allocator.proto": "The allocator's view of inverse offers, used by maintenance.",
}

TOKEN = re.compile(r'\s*(?:(#[^\n]*)|([A-Za-z_][A-Za-z0-9_]*)|("(?:[^"\\]|\\.)*")|([-+0-9.][-+0-9.eE]*)|([{}:]))')


def tokenize(text):
    pos = 0
    out = []
    while pos < len(text):
        m = TOKEN.match(text, pos)
        if not m or m.end() == pos:
            if text[pos:].strip() == "":
                break
            raise SyntaxError("cannot tokenize at offset %d: %r" % (pos, text[pos:pos + 40]))
        pos = m.end()
        comment, ident, string, number, punct = m.groups()
        if comment:
            continue
        if ident is not None:
            out.append(("id", ident))
        elif string is not None:
            out.append(("str", bytes(string[1:-1], "utf-8").decode("unicode_escape")))
        elif number is not None:
            out.append(("num", number))
        else:
            out.append(("p", punct))
    return out


def parse_block(tokens, i):
    """Parses `key: value` and `key { ... }` items until '}' or end; returns (dict of lists, i)."""
    node = {}
    while i < len(tokens):
        kind, val = tokens[i]
        if kind == "p" and val == "}":
            return node, i + 1
        if kind != "id":
            raise SyntaxError("expected a field name, got %r" % (val,))
        key = val
        i += 1
        if tokens[i] == ("p", ":"):
            i += 1
        if tokens[i] == ("p", "{"):
            child, i = parse_block(tokens, i + 1)
            node.setdefault(key, []).append(child)
        else:
            node.setdefault(key, []).append(tokens[i][1])
            i += 1
    return node, i


def one(node, key, default=None):
    values = node.get(key)
    return values[0] if values else default


SCALAR_TYPES = {
    "TYPE_DOUBLE": "double", "TYPE_FLOAT": "float", "TYPE_INT64": "int64",
    "TYPE_UINT64": "uint64", "TYPE_INT32": "int32", "TYPE_FIXED64": "fixed64",
    "TYPE_FIXED32": "fixed32", "TYPE_BOOL": "bool", "TYPE_STRING": "string",
    "TYPE_BYTES": "bytes", "TYPE_UINT32": "uint32", "TYPE_SFIXED32": "sfixed32",
    "TYPE_SFIXED64": "sfixed64", "TYPE_SINT32": "sint32", "TYPE_SINT64": "sint64",
}
LABELS = {"LABEL_OPTIONAL": "optional", "LABEL_REQUIRED": "required", "LABEL_REPEATED": "repeated"}


class Schema:
    """All symbols (messages, enums, packages) of the descriptor set, for name resolution."""

    def __init__(self, files):
        self.symbols = set()
        self.messages = {}
        for f in files:
            package = one(f, "package", "")
            parts = package.split(".")
            for n in range(1, len(parts) + 1):
                self.symbols.add(".".join(parts[:n]))
            for m in f.get("message_type", []):
                self._add_message(package, m)
            for e in f.get("enum_type", []):
                self.symbols.add(package + "." + one(e, "name"))

    def _add_message(self, scope, m):
        full = scope + "." + one(m, "name")
        self.symbols.add(full)
        self.messages[full] = m
        for n in m.get("nested_type", []):
            self._add_message(full, n)
        for e in m.get("enum_type", []):
            self.symbols.add(full + "." + one(e, "name"))

    def reference(self, target, scope, package):
        """The shortest safe spelling of type `target` (".a.b.C") used inside `scope`."""
        target = target.lstrip(".")
        if not target.startswith(package + "."):
            return "." + target
        relative = target[len(package) + 1:]
        first = relative.split(".")[0]
        # protobuf resolves the first component from the innermost scope outwards;
        # the relative spelling is right only if nothing closer than the package shadows it.
        s = scope
        while True:
            if s + "." + first in self.symbols:
                return relative if s == package else "." + target
            if s == package or "." not in s:
                return "." + target
            s = s.rsplit(".", 1)[0]


def format_default(field):
    value = one(field, "default_value")
    if value is None:
        return None
    t = one(field, "type")
    if t == "TYPE_STRING" or t == "TYPE_BYTES":
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    return value


def emit_enum(e, indent, out):
    pad = "  " * indent
    out.append("%senum %s {" % (pad, one(e, "name")))
    for v in e.get("value", []):
        opts = []
        o = one(v, "options")
        if o and one(o, "deprecated") == "true":
            opts.append("deprecated = true")
        suffix = " [%s]" % ", ".join(opts) if opts else ""
        out.append("%s  %s = %s%s;" % (pad, one(v, "name"), one(v, "number"), suffix))
    out.append("%s}" % pad)


def field_type(schema, f, scope, package):
    t = one(f, "type")
    if t in ("TYPE_MESSAGE", "TYPE_ENUM"):
        return schema.reference(one(f, "type_name"), scope, package)
    return SCALAR_TYPES[t]


def emit_field(schema, f, scope, package, indent, out, in_oneof=False):
    pad = "  " * indent
    label = one(f, "label")
    type_name = one(f, "type_name")
    if label == "LABEL_REPEATED" and one(f, "type") == "TYPE_MESSAGE":
        entry = schema.messages.get(type_name.lstrip("."))
        opts = one(entry, "options") if entry else None
        if opts and one(opts, "map_entry") == "true":
            fields = {one(x, "name"): x for x in entry["field"]}
            key = field_type(schema, fields["key"], scope, package)
            val = field_type(schema, fields["value"], scope, package)
            out.append("%smap<%s, %s> %s = %s;" % (pad, key, val, one(f, "name"), one(f, "number")))
            return
    opts = []
    default = format_default(f)
    if default is not None:
        opts.append("default = " + default)
    o = one(f, "options")
    if o and one(o, "deprecated") == "true":
        opts.append("deprecated = true")
    if o and one(o, "packed") is not None:
        opts.append("packed = " + one(o, "packed"))
    json_name = one(f, "json_name")
    if json_name is not None and json_name != lower_camel(one(f, "name")):
        opts.append('json_name = "%s"' % json_name)
    suffix = " [%s]" % ", ".join(opts) if opts else ""
    prefix = "" if in_oneof else LABELS[label] + " "
    out.append("%s%s%s %s = %s%s;" % (pad, prefix, field_type(schema, f, scope, package),
                                      one(f, "name"), one(f, "number"), suffix))


def lower_camel(name):
    parts = name.split("_")
    return parts[0] + "".join(p[:1].upper() + p[1:] for p in parts[1:])


def emit_message(schema, m, scope, package, indent, out):
    pad = "  " * indent
    name = one(m, "name")
    full = scope + "." + name
    o = one(m, "options")
    if o and one(o, "map_entry") == "true":
        return  # written as a map<> field by its user
    out.append("%smessage %s {" % (pad, name))
    for e in m.get("enum_type", []):
        emit_enum(e, indent + 1, out)
        out.append("")
    for n in m.get("nested_type", []):
        before = len(out)
        emit_message(schema, n, full, package, indent + 1, out)
        if len(out) != before:
            out.append("")
    oneofs = [one(d, "name") for d in m.get("oneof_decl", [])]
    emitted_oneofs = set()
    fields = m.get("field", [])
    for f in fields:
        idx = one(f, "oneof_index")
        if idx is None:
            emit_field(schema, f, full, package, indent + 1, out)
            continue
        idx = int(idx)
        if idx in emitted_oneofs:
            continue
        emitted_oneofs.add(idx)
        out.append("%s  oneof %s {" % (pad, oneofs[idx]))
        for g in fields:
            if one(g, "oneof_index") is not None and int(one(g, "oneof_index")) == idx:
                emit_field(schema, g, full, package, indent + 2, out, in_oneof=True)
        out.append("%s  }" % pad)
    while out and out[-1] == "":
        out.pop()
    out.append("%s}" % pad)


def emit_file(schema, f):
    name = one(f, "name")
    package = one(f, "package")
    out = [
        "// " + WANTED[name],
        "//",
        "// Derived from the Mesos v1 wire-schema facts by tools/protogen/protogen.py;",
        "// names, numbers, labels, types and defaults must stay exactly as they are,",
        "// or a real master will not understand the messages. Checked by",
        "// test/schema_conformance_test.cpp.",
        "",
        'syntax = "%s";' % one(f, "syntax", "proto2"),
        "",
        "package %s;" % package,
        "",
    ]
    for dep in f.get("dependency", []):
        out.append('import "%s";' % dep)
    if f.get("dependency"):
        out.append("")
    o = one(f, "options")
    if o:
        for key in ("java_package", "java_outer_classname"):
            if one(o, key):
                out.append('option %s = "%s";' % (key, one(o, key)))
        out.append("")
    for e in f.get("enum_type", []):
        emit_enum(e, 0, out)
        out.append("")
    for m in f.get("message_type", []):
        emit_message(schema, m, package, package, 0, out)
        out.append("")
    return "\n".join(out).rstrip("\n") + "\n"


def main():
    if len(sys.argv) != 3:
        sys.exit("usage: protogen.py DESCRIPTORS.txtpb OUTPUT_DIR")
    with open(sys.argv[1], encoding="utf-8") as fh:
        tokens = tokenize(fh.read())
    root, _ = parse_block(tokens, 0)
    files = root["file"]
    schema = Schema(files)
    for f in files:
        name = one(f, "name")
        if name not in WANTED:
            continue
        path = os.path.join(sys.argv[2], name)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w", encoding="utf-8") as fh:
            fh.write(emit_file(schema, f))
        print("wrote", path)


if __name__ == "__main__":
    main()
