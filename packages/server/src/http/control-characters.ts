/** True when the text holds an ASCII control character (C0 or DEL): never valid in names or URLs we accept. */
export function hasControlCharacters(text: string): boolean {
  return [...text].some((c) => c.charCodeAt(0) < 0x20 || c.charCodeAt(0) === 0x7f);
}
