
set edit:completion:arg-completer[hmctl] = { |@words|
    var index = (count $words)
    set index = (- $index 1)

    put (env _CLAP_IFS="\n" _CLAP_COMPLETE_INDEX=(to-string $index) HMCTL_COMPLETE="elvish" hmctl -- $@words) | to-lines
}

