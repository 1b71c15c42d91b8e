import tseslint from "typescript-eslint";
import layers from "./scripts/eslint/layer-imports.js";

export default tseslint.config(
  {
    ignores: ["dist/", "node_modules/", ".stack/", ".builder/", "coverage/", "**/*.mjs", "eslint.config.js"],
  },
  ...tseslint.configs.recommended,
  {
    rules: {
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
      "no-empty": ["error", { allowEmptyCatch: false }],
      "@typescript-eslint/consistent-type-imports": "error",
    },
  },
  {
    // The layering of STYLE.md, checked on every import (scripts/eslint/layer-imports.js).
    files: ["builder/src/**/*.{ts,tsx}", "trigger/src/**/*.ts", "common/**/*.ts"],
    plugins: { local: layers },
    rules: { "local/layer-imports": "error" },
  },
);
