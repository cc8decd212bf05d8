"""Evidence reports for auditors: what was in force, every line it rests on, and a picture.

``model`` gathers what a report says (from the reader only),
``svg`` draws the timelines in code, ``html`` lays out a self-contained page
(inline CSS and SVG, no network), ``tabular`` writes JSON and CSV.
"""
