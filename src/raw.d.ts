/** `import text from "./file?raw"`: the file's contents as a string (vite natively; tsup through a plugin). */
declare module "*?raw" {
  const content: string;
  export default content;
}
