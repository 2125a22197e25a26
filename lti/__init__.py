"""LTI 1.3 tool: OIDC login, resource-link launch, deep linking, grade passback (AGS)."""
