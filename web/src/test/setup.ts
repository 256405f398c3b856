// jsdom lacks what Mantine asks the browser for: matchMedia (colour scheme,
// responsive hooks), ResizeObserver (ScrollArea and friends) and
// scrollIntoView.
import { afterEach } from "vitest";

if (!window.matchMedia) {
  Object.defineProperty(window, "matchMedia", {
    writable: true,
    value: (query: string) => ({
      matches: false,
      media: query,
      onchange: null,
      addListener: () => undefined,
      removeListener: () => undefined,
      addEventListener: () => undefined,
      removeEventListener: () => undefined,
      dispatchEvent: () => false,
    }),
  });
}

if (!("ResizeObserver" in window)) {
  class ResizeObserver {
    observe() {}
    unobserve() {}
    disconnect() {}
  }
  Object.defineProperty(window, "ResizeObserver", { writable: true, value: ResizeObserver });
}

if (!Element.prototype.scrollIntoView) Element.prototype.scrollIntoView = () => undefined;

// Web storage is per test file in jsdom, not per test: start each test clean.
afterEach(() => {
  localStorage.clear();
  sessionStorage.clear();
});
