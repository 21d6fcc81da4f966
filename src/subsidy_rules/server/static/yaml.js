// The claim as YAML for download: plain where the safe loader reads it back unchanged, quoted otherwise.

export function yamlScalar(value) {
  if (value === null || value === undefined) return "null";
  if (typeof value === "boolean" || typeof value === "number") return String(value);
  const text = String(value);
  // quoted whenever YAML would read it as something else: a date (a text field may hold one, and a
  // date field reads a quoted date all the same), a line break or control character, "=" (YAML's
  // value key), a word YAML takes for true, false or null, or a start or end YAML gives a meaning
  const plain = /^[^\s\-?:,[\]{}#&*!|>'"%@`0-9.+=<][^#]*$/.test(text) && !/[:]\s|\s$|:$/.test(text)
    && !/[\x00-\x1f\x7f-\x9f\u2028\u2029\ufeff]/.test(text)
    && !/^(true|false|yes|no|on|off|null|~|y|n)$/i.test(text);
  return plain ? text : JSON.stringify(text).replace(/[\u007f-\u009f\u2028\u2029\ufeff]/g,
    (c) => "\\u" + c.charCodeAt(0).toString(16).padStart(4, "0"));
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
