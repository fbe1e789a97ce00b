from index.aliases import alias_tokens, find_aliases


def test_acronyms_are_learned_from_spelled_out_names():
    texts = ["The Human Frontier Science Program (HFSP) was proposed in 1987.",
             "JISTEC reports. President, Aizawa Masuo, Japan International Science and Technology "
             "Exchange Center", "Japan-Korea Science and Technology meetings; JST (Japan Science "
             "and Technology Agency)"]
    aliases = find_aliases(texts)
    assert aliases["Human Frontier Science Program"] == "HFSP"
    assert aliases["Japan International Science and Technology Exchange Center"] == "JISTEC"
    # short acronyms need the name spelled out next to them; hyphenated look-alikes are ignored
    assert "Japan-Korea Science and Technology" not in aliases
    assert alias_tokens("the Japan International Science and Technology Exchange Center", aliases) \
        == ["jistec"]
