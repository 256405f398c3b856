// The console's Mantine theme and colour-scheme handling (light / dark /
// auto, persisted in localStorage by Mantine's colorSchemeManager).
import {
  createTheme,
  localStorageColorSchemeManager,
  type CSSVariablesResolver,
  type MantineColorScheme,
} from "@mantine/core";

/** localStorage key of the chosen scheme ("light" | "dark" | "auto"): a preference, not a secret. */
export const COLOR_SCHEME_KEY = "qhub-color-scheme";
export const DEFAULT_COLOR_SCHEME: MantineColorScheme = "auto";

export const colorSchemeManager = localStorageColorSchemeManager({ key: COLOR_SCHEME_KEY });

export const theme = createTheme({
  primaryColor: "indigo",
  // Shade 8 in both schemes: white text on a filled button meets WCAG AA (4.5:1);
  // the default shade 6 does not.
  primaryShade: { light: 8, dark: 8 },
  focusRing: "auto",
  defaultRadius: "md",
  fontFamily: 'system-ui, -apple-system, "Segoe UI", Roboto, sans-serif',
  fontFamilyMonospace: "ui-monospace, SFMono-Regular, Menlo, monospace",
  cursorType: "pointer",
  headings: {
    sizes: {
      h1: { fontSize: "1.75rem", lineHeight: "1.25" },
      h2: { fontSize: "1.35rem", lineHeight: "1.3" },
      h3: { fontSize: "1.15rem", lineHeight: "1.35" },
    },
  },
});

/**
 * Mantine's defaults put dimmed text (gray-6 on white), errors (red-6 on
 * white / red-8 on dark) and disabled controls below WCAG AA contrast; these
 * keep them at 4.5:1 or better.
 */
export const cssVariablesResolver: CSSVariablesResolver = () => ({
  variables: {},
  light: {
    "--mantine-color-dimmed": "var(--mantine-color-gray-7)",
    "--mantine-color-error": "var(--mantine-color-red-9)",
    // Outline red buttons (Revoke, Remove) on a hovered table row (gray-1): red-8 is 4.05:1.
    "--mantine-color-red-outline": "var(--mantine-color-red-9)",
    "--mantine-color-disabled": "var(--mantine-color-gray-1)",
    "--mantine-color-disabled-color": "var(--mantine-color-gray-7)",
    "--mantine-color-disabled-border": "var(--mantine-color-gray-4)",
  },
  dark: {
    // Mantine's dark dimmed (dark-2 on dark-7) is 4.03:1; dark-1 is 7.8:1.
    "--mantine-color-dimmed": "var(--mantine-color-dark-1)",
    // Links on a hovered table row (dark-5): indigo-4 is 3.77:1, indigo-3 4.8:1.
    "--mantine-color-anchor": "var(--mantine-color-indigo-3)",
    "--mantine-color-error": "var(--mantine-color-red-5)",
    "--mantine-color-disabled": "var(--mantine-color-dark-6)",
    "--mantine-color-disabled-color": "var(--mantine-color-dark-1)",
    "--mantine-color-disabled-border": "var(--mantine-color-dark-3)",
  },
});

/** What `auto` resolves to right now. */
function systemScheme(): "light" | "dark" {
  try {
    return window.matchMedia("(prefers-color-scheme: dark)").matches ? "dark" : "light";
  } catch {
    return "light";
  }
}

/**
 * The bundle's equivalent of Mantine's <ColorSchemeScript> (an inline script,
 * which the CSP's `script-src 'self'` forbids): set `data-mantine-color-scheme`
 * on <html> before the first render, so a dark-mode user sees no light flash.
 */
export function applyStoredColorScheme(root: HTMLElement = document.documentElement): void {
  const stored = colorSchemeManager.get(DEFAULT_COLOR_SCHEME);
  root.setAttribute("data-mantine-color-scheme", stored === "auto" ? systemScheme() : stored);
}
