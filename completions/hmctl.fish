complete --keep-order --exclusive --command hmctl --arguments "(HMCTL_COMPLETE=fish hmctl -- (commandline --current-process --tokenize --cut-at-cursor) (commandline --current-token))"
