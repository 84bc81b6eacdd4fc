"""A ten-line third-party turnout plugin: keep internal prompts off the native runtime, tag requests."""

import turnout

turnout_manifest = turnout.Manifest(hooks_version=2)


@turnout.hookimpl
def turnout_check_support(request):
    if request.model.startswith("openai/") and "internal" in (request.metadata or {}):
        return turnout.Verdict(
            runtime="native-openai", supported=False, reason="team policy: internal prompts stay on the fallback"
        )


@turnout.hookimpl
def turnout_inject_headers(request):
    return {"x-team": "search"}
