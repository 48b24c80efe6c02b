"""The default templates, shipped as package data `generator.templates`.

The .docx files here are what staff copy out with `sasaeai templates export`
and edit in Word; `build_templates.py` makes their first version
reproducible. setup.cfg maps this folder to the package, so a wheel, an
editable install, `pip install --user` or a zipped install all carry them and
`importlib.resources` finds them.
"""
