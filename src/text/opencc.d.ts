/** opencc-js ships its dictionaries as ES modules without type declarations: each exports one string. */
declare module "opencc-js/dict/TSCharacters" {
  /** "繁 简|…": Traditional characters and their Simplified forms, pairs separated by "|". */
  const pairs: string;
  export default pairs;
}
