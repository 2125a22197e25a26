"""People: accounts, roles, sign-in, PINs and passwords."""
