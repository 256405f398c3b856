import { Alert, Anchor } from "@mantine/core";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useEffect, useRef } from "react";
import { Link, useSearchParams } from "react-router";
import { api, unwrap } from "../api/client";
import { ApiError, describeError } from "../api/problem";
import { qk } from "../api/queries";
import { PublicShell } from "../components/PublicShell";
import { Loading } from "../components/States";

export function VerifyEmailPage() {
  const [params] = useSearchParams();
  const token = params.get("token") ?? "";
  const queryClient = useQueryClient();
  const verify = useMutation({
    mutationFn: (t: string) => unwrap(api().POST("/v1/auth/verify-email", { body: { token: t } })),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: qk.me }),
  });

  // Tokens are single-use: send it exactly once, even under StrictMode.
  const sent = useRef(false);
  useEffect(() => {
    if (token && !sent.current) {
      sent.current = true;
      verify.mutate(token);
    }
  }, [token, verify]);

  let body;
  if (!token)
    body = (
      <Alert color="red" variant="light" role="alert">
        This link has no verification token. Open the link from your email.
      </Alert>
    );
  else if (verify.isSuccess)
    body = (
      <Alert color="green" variant="light" role="status">
        Your email address is verified. Thank you!
      </Alert>
    );
  else if (verify.isError)
    body = (
      <Alert color="red" variant="light" role="alert">
        {verify.error instanceof ApiError && verify.error.status === 404
          ? "This verification link is invalid, expired or already used."
          : describeError(verify.error)}
      </Alert>
    );
  else body = <Loading label="Verifying your email address…" lines={1} />;

  const linkDead = verify.error instanceof ApiError && verify.error.status === 404;
  return (
    <PublicShell title="Verify email">
      {body}
      <Anchor component={Link} to={linkDead ? "/profile" : "/"} mt="md" display="inline-block">
        {linkDead ? "Send a new link from your profile" : "Continue to the console"}
      </Anchor>
    </PublicShell>
  );
}
