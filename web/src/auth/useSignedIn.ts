import { useMe } from "../api/queries";
import type { MeResponse } from "../api/types";

/** The signed-in user, inside <Layout> (which renders pages only once /me has loaded). */
export function useSignedIn(): MeResponse {
  const me = useMe();
  if (!me.data) throw new Error("useSignedIn outside a loaded <Layout>");
  return me.data;
}
