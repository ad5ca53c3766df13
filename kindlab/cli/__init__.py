"""The top: the one `kindlab` command; each verb is a module here, imported only when it runs."""
