// Only the rules a tool must check for Baton: every promise is awaited or handed on (a store call
// left floating would run outside its transaction, or lose its error). Types come from
// tsconfig.test.json, which covers src, test, bench and examples; the console (console/, a
// browser app) has its own tsconfig and, besides the promise rules, React's rules of hooks.
import reactHooks from "eslint-plugin-react-hooks";
import tseslint from "typescript-eslint";

const promiseRules = {
  "@typescript-eslint/no-floating-promises": "error",
  "@typescript-eslint/no-misused-promises": ["error", { checksVoidReturn: { arguments: false, attributes: false } }],
  "@typescript-eslint/await-thenable": "error",
};

export default tseslint.config(
  { ignores: ["dist/**", "node_modules/**", "src/client/generated/**", "console/src/gql/**", "test-output/**", "**/*.d.ts", "*.config.ts", "*.config.js", "console/*.config.ts", "*.cjs"] },
  {
    files: ["**/*.ts"],
    ignores: ["console/**"],
    languageOptions: {
      parser: tseslint.parser,
      parserOptions: { project: "./tsconfig.test.json", tsconfigRootDir: import.meta.dirname },
    },
    plugins: { "@typescript-eslint": tseslint.plugin },
    linterOptions: { reportUnusedDisableDirectives: "error" },
    rules: promiseRules,
  },
  {
    files: ["console/**/*.ts", "console/**/*.tsx"],
    languageOptions: {
      parser: tseslint.parser,
      parserOptions: { project: "./console/tsconfig.json", tsconfigRootDir: import.meta.dirname },
    },
    plugins: { "@typescript-eslint": tseslint.plugin, "react-hooks": reactHooks },
    linterOptions: { reportUnusedDisableDirectives: "error" },
    rules: {
      ...promiseRules,
      "react-hooks/rules-of-hooks": "error",
      "react-hooks/exhaustive-deps": "error",
    },
  },
);
