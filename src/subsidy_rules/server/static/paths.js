// Fact paths as the decisions name them: "employer.hires[1].worker.age".

export function pathString(parts) {
  let out = "";
  for (const part of parts) out += typeof part === "number" ? "[" + part + "]" : (out ? "." : "") + part;
  return out;
}

export function getAt(obj, parts) {
  let cur = obj;
  for (const part of parts) {
    if (cur === null || cur === undefined) return undefined;
    cur = cur[part];
  }
  return cur;
}

export function setAt(obj, parts, value) {
  let cur = obj;
  for (let i = 0; i < parts.length - 1; i++) {
    const part = parts[i];
    if (cur[part] === null || cur[part] === undefined || typeof cur[part] !== "object") {
      cur[part] = typeof parts[i + 1] === "number" ? [] : {};
    }
    cur = cur[part];
  }
  const last = parts[parts.length - 1];
  if (value === undefined) delete cur[last];
  else cur[last] = value;
}

export function parsePath(path) {
  const parts = [];
  for (const m of path.matchAll(/([^.[\]]+)|\[(\d+)\]/g)) parts.push(m[2] !== undefined ? Number(m[2]) : m[1]);
  return parts;
}
