// swagger-ui's BaseLayout wraps the operations in a <main>: inside the
// console (which has its own <main id="main">) that would be a second main
// landmark. This plugin registers "ConsoleLayout", the same layout with a
// <div> instead, for a spec passed inline (no loading or fetch-error
// states to show). Written against swagger-ui's plugin API with its own
// React (system.React), not the console's.
/* eslint-disable @typescript-eslint/no-explicit-any */

type Props = { specSelectors: any; getComponent: (name: string, container?: boolean) => any };

export const CONSOLE_LAYOUT = "ConsoleLayout";

/**
 * swagger-ui leaves some form controls without an accessible name: the server
 * <select id="servers"> (in an empty <label>; its "Servers" title is a
 * separate span) and the enum <select>s / inputs of "Try it out" parameters
 * (named only by the row's text). This names them (and makes an open
 * operation's code blocks focusable), now and whenever
 * swagger-ui renders more (axe-core checks the page in the e2e run).
 */
function nameControls(root: HTMLElement): void {
  for (const el of root.querySelectorAll<HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement>("select:not([aria-label]), input:not([aria-label]), textarea:not([aria-label])")) {
    if (el.id === "servers") el.setAttribute("aria-label", "Server");
    else {
      const param = el.closest<HTMLElement>("tr[data-param-name]")?.dataset.paramName;
      if (param && !el.labels?.length) el.setAttribute("aria-label", param);
    }
  }
  // Code blocks of an opened operation (curl, examples, responses) scroll
  // sideways on phones: focusable, so a keyboard can scroll them.
  for (const pre of root.querySelectorAll(".opblock-body pre:not([tabindex])")) pre.setAttribute("tabindex", "0");
}

const observed = new WeakSet<HTMLElement>();
function observeControlNames(el: HTMLElement | null): void {
  if (!el || observed.has(el)) return;
  observed.add(el);
  nameControls(el);
  new MutationObserver(() => nameControls(el)).observe(el, { childList: true, subtree: true });
}

export function consoleLayoutPlugin(system: { React: any }) {
  const h = system.React.createElement;
  function ConsoleLayout({ specSelectors, getComponent }: Props) {
    const SvgAssets = getComponent("SvgAssets");
    const InfoContainer = getComponent("InfoContainer", true);
    const VersionPragmaFilter = getComponent("VersionPragmaFilter");
    const Operations = getComponent("operations", true);
    const Models = getComponent("Models", true);
    const Webhooks = getComponent("Webhooks", true);
    const Row = getComponent("Row");
    const Col = getComponent("Col");
    const Errors = getComponent("errors", true);
    const ServersContainer = getComponent("ServersContainer", true);
    const SchemesContainer = getComponent("SchemesContainer", true);
    const AuthorizeBtnContainer = getComponent("AuthorizeBtnContainer", true);
    const FilterContainer = getComponent("FilterContainer", true);
    const isOAS31 = Boolean(specSelectors.isOAS31?.());
    const isOAS32 = Boolean(specSelectors.isOAS32?.());
    const servers = specSelectors.servers();
    const schemes = specSelectors.schemes();
    const hasServers = Boolean(servers && servers.size);
    const hasSchemes = Boolean(schemes && schemes.size);
    const hasSecurity = Boolean(specSelectors.securityDefinitions());
    return h(
      "div",
      { className: "swagger-ui", ref: observeControlNames },
      h(SvgAssets),
      h(
        VersionPragmaFilter,
        {
          isSwagger2: specSelectors.isSwagger2(),
          isOAS3: specSelectors.isOAS3(),
          isOAS31,
          isOAS32,
          alsoShow: h(Errors),
        },
        h(Errors),
        h(Row, { className: "information-container" }, h(Col, { mobile: 12 }, h(InfoContainer))),
        hasServers || hasSchemes || hasSecurity
          ? h(
              "div",
              { className: "scheme-container" },
              h(
                Col,
                { className: "schemes wrapper", mobile: 12 },
                hasServers || hasSchemes
                  ? h("div", { className: "schemes-server-container" }, hasServers ? h(ServersContainer) : null, hasSchemes ? h(SchemesContainer) : null)
                  : null,
                hasSecurity ? h(AuthorizeBtnContainer) : null,
              ),
            )
          : null,
        h(FilterContainer),
        // swagger-ui has <main id="operations"> here.
        h(
          "div",
          { id: "operations" },
          h(Row, null, h(Col, { mobile: 12, desktop: 12 }, h(Operations))),
          isOAS31 || isOAS32 ? h(Row, { className: "webhooks-container" }, h(Col, { mobile: 12, desktop: 12 }, h(Webhooks))) : null,
          h(Row, null, h(Col, { mobile: 12, desktop: 12 }, h(Models))),
        ),
      ),
    );
  }
  return { components: { [CONSOLE_LAYOUT]: ConsoleLayout } };
}
