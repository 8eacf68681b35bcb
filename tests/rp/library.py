"""Reads the library's exports back with independent parsers (tests/it/library.rs).

Usage: library.py KIND FILE   KIND is bibtex, ris, csl, turtle or jsonld.
Prints one JSON object summarising what the parser understood; exits 1 with
the reason when the document does not parse.
  bibtex  (bibtexparser 1.x, LaTeX decoded to Unicode): [{type, id, title, author, year, url, keywords}]
  ris     (rispy): [{type, title, authors, year, url, keywords}]
  csl     (citeproc-py: CSL-JSON source, rendered with its bundled Harvard style):
          {"ids": [...], "bibliography": [text, ...]}
  turtle / jsonld (rdflib, SKOS): {concepts: {iri: {prefFr, prefEn, alt, broader, narrower, related}}, schemes: n}
"""
import json
import sys


def bibtex(data):
    import bibtexparser
    from bibtexparser.bparser import BibTexParser
    from bibtexparser.customization import convert_to_unicode

    parser = BibTexParser(common_strings=True)
    parser.customization = convert_to_unicode
    db = bibtexparser.loads(data, parser=parser)
    if not db.entries:
        raise ValueError("no entries")
    return [
        {
            "type": e.get("ENTRYTYPE"),
            "id": e.get("ID"),
            "title": e.get("title"),
            "author": e.get("author"),
            "year": e.get("year"),
            "month": e.get("month"),
            "url": e.get("url"),
            "keywords": e.get("keywords"),
        }
        for e in db.entries
    ]


def ris(data):
    import rispy

    entries = rispy.loads(data)
    if not entries:
        raise ValueError("no entries")
    return [
        {
            "type": e.get("type_of_reference"),
            "title": e.get("title") or e.get("primary_title"),
            "authors": e.get("authors") or e.get("first_authors"),
            "year": e.get("year"),
            "url": (e.get("urls") or [None])[0],
            "keywords": e.get("keywords"),
        }
        for e in entries
    ]


def csl(data):
    import os
    import citeproc
    from citeproc import Citation, CitationItem, CitationStylesBibliography, CitationStylesStyle, formatter
    from citeproc.source.json import CiteProcJSON

    items = json.loads(data)
    source = CiteProcJSON(items)
    style_path = os.path.join(os.path.dirname(citeproc.__file__), "data", "styles", "harvard-cite-them-right.csl")
    style = CitationStylesStyle(style_path, validate=False)
    bib = CitationStylesBibliography(style, source, formatter.plain)
    ids = [i["id"] for i in items]
    for i in ids:
        bib.register(Citation([CitationItem(i)]))
    return {"ids": ids, "bibliography": [str(b) for b in bib.bibliography()]}


def skos(data, fmt):
    from rdflib import Graph, Namespace, RDF

    SKOS = Namespace("http://www.w3.org/2004/02/skos/core#")
    g = Graph()
    g.parse(data=data, format=fmt)
    out = {}
    for c in g.subjects(RDF.type, SKOS.Concept):
        def labels(p, lang=None):
            return sorted(str(o) for o in g.objects(c, p) if lang is None or getattr(o, "language", None) == lang)
        out[str(c)] = {
            "prefFr": labels(SKOS.prefLabel, "fr"),
            "prefEn": labels(SKOS.prefLabel, "en"),
            "alt": labels(SKOS.altLabel),
            "definition": labels(SKOS.definition),
            "broader": sorted(str(o) for o in g.objects(c, SKOS.broader)),
            "narrower": sorted(str(o) for o in g.objects(c, SKOS.narrower)),
            "related": sorted(str(o) for o in g.objects(c, SKOS.related)),
            "inScheme": sorted(str(o) for o in g.objects(c, SKOS.inScheme)),
        }
    return {"concepts": out, "schemes": len(list(g.subjects(RDF.type, SKOS.ConceptScheme)))}


kind, path = sys.argv[1], sys.argv[2]
data = open(path, encoding="utf-8").read()
try:
    if kind == "bibtex":
        result = bibtex(data)
    elif kind == "ris":
        result = ris(data)
    elif kind == "csl":
        result = csl(data)
    elif kind == "turtle":
        result = skos(data, "turtle")
    elif kind == "jsonld":
        result = skos(data, "json-ld")
    else:
        raise ValueError(f"unknown kind {kind}")
except Exception as e:  # noqa: BLE001 - report any parser failure
    print(f"{kind}: {type(e).__name__}: {e}", file=sys.stderr)
    sys.exit(1)
print(json.dumps(result, ensure_ascii=False))
