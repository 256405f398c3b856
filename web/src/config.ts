// Runtime configuration: /config.json is fetched before the app renders, so
// one build deploys anywhere (the deployer replaces dist/config.json).
export interface AppConfig {
  /** The API's origin, e.g. http://127.0.0.1:8080 (no trailing slash needed). */
  apiUrl: string;
}

export function parseConfig(raw: unknown): AppConfig {
  if (typeof raw !== "object" || raw === null) throw new Error("config.json must be a JSON object");
  const apiUrl = (raw as Record<string, unknown>).apiUrl;
  if (typeof apiUrl !== "string" || apiUrl.trim() === "") throw new Error("config.json needs an \"apiUrl\" string");
  let url: URL;
  try {
    url = new URL(apiUrl);
  } catch {
    throw new Error(`config.json: apiUrl ${JSON.stringify(apiUrl)} is not an absolute URL`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new Error("config.json: apiUrl must be http or https");
  }
  return { apiUrl: apiUrl.trim().replace(/\/+$/, "") };
}

export async function loadConfig(fetchImpl: typeof fetch = fetch): Promise<AppConfig> {
  const res = await fetchImpl(`${import.meta.env.BASE_URL}config.json`, { cache: "no-store" });
  if (!res.ok) throw new Error(`Could not load config.json (HTTP ${res.status})`);
  return parseConfig(await res.json());
}
