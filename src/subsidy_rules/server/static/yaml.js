// The claim as YAML for download: plain where the safe loader reads it back unchanged, quoted otherwise.

export function yamlScalar(value) {
  if (value === null || value === undefined) return "null";
  if (typeof value === "boolean" || typeof value === "number") return String(value);
  const text = String(value);
  if (/^\d{4}-\d{2}-\d{2}$/.test(text)) return text; // a date
  const plain = /^[^\s\-?:,[\]{}#&*!|>'"%@`0-9.+][^#]*$/.test(text) && !/[:]\s|\s$|:$/.test(text)
    && !/^(true|false|yes|no|on|off|null|~|y|n)$/i.test(text);
  return plain ? text : JSON.stringify(text);
}

export function toYaml(value, indent) {
  indent = indent || "";
  const lines = [];
  if (Array.isArray(value)) {
    if (!value.length) return indent + "[]";
    for (const row of value) {
      if (row && typeof row === "object" && !Array.isArray(row) && Object.keys(row).length) {
        const inner = toYaml(row, indent + "  ").split("\n");
        lines.push(indent + "- " + inner[0].slice(indent.length + 2), ...inner.slice(1));
      } else if (row && typeof row === "object") {
        lines.push(indent + "- " + (Array.isArray(row) ? "[]" : "{}"));
      } else {
        lines.push(indent + "- " + yamlScalar(row));
      }
    }
    return lines.join("\n");
  }
  for (const [key, item] of Object.entries(value)) {
    const name = /^[A-Za-z_][A-Za-z0-9_]*$/.test(key) ? key : JSON.stringify(key);
    if (item && typeof item === "object" && (Array.isArray(item) ? item.length : Object.keys(item).length)) {
      lines.push(indent + name + ":", toYaml(item, indent + "  "));
    } else if (item && typeof item === "object") {
      lines.push(indent + name + ": " + (Array.isArray(item) ? "[]" : "{}"));
    } else {
      lines.push(indent + name + ": " + yamlScalar(item));
    }
  }
  return lines.join("\n");
}
