"""The web app (Gradio): layout, callbacks, rendering, script, style and the words of the page."""
