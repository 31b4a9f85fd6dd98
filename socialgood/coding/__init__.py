"""Qualitative coding: codebooks, codings, memos, blind coding rounds, reliability, REFI-QDA.

REFI-QDA conformance (the standard's §6 asks for a statement): socialgood exports and
imports codebooks (.qdc) and projects (.qdpx) of REFI-QDA 1.5. Exports carry users,
codes (hierarchy, colour, definition and rules in the Description), text sources with
variables, plain-text selections in Unicode code points, codings with their coder, and
notes; they validate against Codebook-mrt2019.xsd and Project-mrt2019.xsd. Imports
read text sources, selections, codings, users, variables on sources and notes, and
list everything else (pictures, PDFs, audio, video, cases, sets, links, graphs) in the
import report.
"""
