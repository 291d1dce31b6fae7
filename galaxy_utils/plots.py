"""Interactive plotly figures of the book: embedding maps, confusion matrices, scores and galleries.

Figures display in two forms at once. JupyterLab and VS Code render the plotly
MIME bundle natively. The built book renders an HTML snippet with its vendored
copy of plotly.js (see :func:`use_book_renderer`), so its pages work with no
network.
"""

from __future__ import annotations

import base64
import io

import numpy as np
import plotly.graph_objects as go
import plotly.io as pio
from PIL import Image
from plotly.io._base_renderers import MimetypeRenderer
from plotly.subplots import make_subplots

# Ten distinguishable colours, one per Galaxy10 class, used in every figure.
CLASS_COLORS = (
    "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd",
    "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf",
)
MUTED = "#d0d0d0"


class BookRenderer(MimetypeRenderer):
    """Emit both the plotly MIME type and an HTML snippet that expects a global ``Plotly``."""

    def to_mimebundle(self, fig_dict):
        bundle = pio.renderers["plotly_mimetype"].to_mimebundle(fig_dict)
        bundle["text/html"] = pio.to_html(fig_dict, include_plotlyjs=False, full_html=False, config={"responsive": True})
        return bundle


def use_book_renderer() -> None:
    """Make figures display for both JupyterLab and the built book (plotly.js vendored there)."""
    pio.renderers["galaxy_book"] = BookRenderer()
    pio.renderers.default = "galaxy_book"


def _color(index: int) -> str:
    return CLASS_COLORS[index % len(CLASS_COLORS)]


def embedding_map(
    coords: np.ndarray,
    labels,
    class_names,
    predicted=None,
    highlight: str | None = None,
    title: str = "",
    files=None,
) -> go.Figure:
    """Scatter a 2-D embedding coloured by true class.

    Hovering a point shows its index, true class and, when given, predicted
    class and file name.

    Parameters
    ----------
    coords : array, shape (n_samples, 2)
        t-SNE or UMAP coordinates.
    labels : array-like of int, shape (n_samples,)
        True classes.
    class_names : sequence of str
        Class names in label order.
    predicted : array-like of int, shape (n_samples,), optional
        Predicted classes; misclassified points get a dark outline.
    highlight : str, optional
        A class to draw in colour over all others in grey (for example "Disturbed").
    title : str
        Figure title.
    files : sequence of str, optional
        File names for the hover text.
    """
    coords = np.asarray(coords)
    labels = np.asarray(labels, dtype=int)
    predicted = None if predicted is None else np.asarray(predicted, dtype=int)
    order = list(range(len(class_names)))
    if highlight is not None:
        target = list(class_names).index(highlight)
        order = [i for i in order if i != target] + [target]

    fig = go.Figure()
    for class_index in order:
        mask = labels == class_index
        if not mask.any():
            continue
        indices = np.flatnonzero(mask)
        hover = [
            f"index {i}<br>true: {class_names[class_index]}"
            + (f"<br>predicted: {class_names[predicted[i]]}" if predicted is not None else "")
            + (f"<br>{files[i]}" if files is not None else "")
            for i in indices
        ]
        muted = highlight is not None and class_names[class_index] != highlight
        wrong = predicted is not None and (predicted[indices] != class_index)
        fig.add_trace(
            go.Scatter(
                x=coords[indices, 0],
                y=coords[indices, 1],
                mode="markers",
                name=class_names[class_index],
                marker=dict(
                    size=7,
                    color=MUTED if muted else _color(class_index),
                    line=dict(width=np.where(wrong, 1.5, 0.0) if predicted is not None else 0, color="#222"),
                    opacity=0.5 if muted else 0.9,
                ),
                hovertext=hover,
                hoverinfo="text",
            )
        )
    fig.update_layout(
        title=title, template="plotly_white", legend_title_text=_legend_title(predicted is not None),
        xaxis=dict(showticklabels=False, title=""), yaxis=dict(showticklabels=False, title=""),
        height=480, margin=dict(l=10, r=10, t=50, b=10),
    )
    return fig


def _legend_title(outlined: bool) -> str:
    return "true class<br><sup>dark outline: misclassified</sup>" if outlined else "true class"


def embedding_pair(
    coords_before: np.ndarray,
    coords_after: np.ndarray,
    labels,
    class_names,
    predicted_before=None,
    predicted_after=None,
    highlight: str | None = None,
    titles: tuple[str, str] = ("before fine-tuning", "after fine-tuning"),
    title: str = "",
    files=None,
) -> go.Figure:
    """Draw two embedding maps of the same images side by side, with one shared legend.

    Clicking a class in the legend hides it in both panels.
    """
    panels = [
        embedding_map(coords_before, labels, class_names, predicted_before, highlight, files=files),
        embedding_map(coords_after, labels, class_names, predicted_after, highlight, files=files),
    ]
    fig = make_subplots(rows=1, cols=2, subplot_titles=list(titles), horizontal_spacing=0.04)
    for column, panel in enumerate(panels, start=1):
        for trace in panel.data:
            trace.legendgroup = trace.name
            trace.showlegend = column == 1
            fig.add_trace(trace, row=1, col=column)
    fig.update_xaxes(showticklabels=False)
    fig.update_yaxes(showticklabels=False)
    outlined = predicted_before is not None or predicted_after is not None
    fig.update_layout(
        title=title, template="plotly_white", legend_title_text=_legend_title(outlined), height=480,
        margin=dict(l=10, r=10, t=70, b=10),
    )
    return fig


def confusion_figure(counts, class_names, normalize: bool = True, title: str = "") -> go.Figure:
    """Draw a confusion matrix as a heatmap, normalised by row (true class) by default.

    Each cell's hover and text give the count and, when normalised, the row share.
    """
    counts = np.asarray(counts, dtype=float)
    totals = counts.sum(axis=1, keepdims=True)
    shares = np.divide(counts, totals, out=np.zeros_like(counts), where=totals > 0)
    values = shares if normalize else counts
    text = [
        [f"{int(c)}<br>{100 * s:.0f}%" if normalize else f"{int(c)}" for c, s in zip(count_row, share_row)]
        for count_row, share_row in zip(counts, shares)
    ]
    fig = go.Figure(
        go.Heatmap(
            z=values, x=list(class_names), y=list(class_names), text=text, texttemplate="%{text}",
            colorscale="Blues", zmin=0, zmax=1 if normalize else None,
            hovertemplate="true %{y}<br>predicted %{x}<br>%{text}<extra></extra>",
            colorbar=dict(title="share of row" if normalize else "count"),
        )
    )
    fig.update_layout(
        title=title, xaxis_title="predicted class", yaxis_title="true class", yaxis_autorange="reversed",
        template="plotly_white", height=560, margin=dict(l=10, r=10, t=50, b=10),
    )
    return fig


def f1_vs_params(rows, metric_label: str = "weighted F1 (%)", title: str = "") -> go.Figure:
    """Plot F1 against parameter count: one colour per family, filled for full fine-tuning, open for head only.

    Parameters
    ----------
    rows : pandas.DataFrame
        Columns ``model``, ``family``, ``params_m``, ``f1_full`` and ``f1_head``
        (percentages), and optionally ``source``: rows whose source is
        ``"study"`` are drawn as diamonds, the others as circles.
    """
    fig = go.Figure()
    families = list(dict.fromkeys(rows["family"]))
    sources = list(dict.fromkeys(rows["source"])) if "source" in rows else ["this run"]
    for index, family in enumerate(families):
        for source in sources:
            part = rows[(rows["family"] == family) & ((rows["source"] == source) if "source" in rows else True)]
            if part.empty:
                continue
            shape = "diamond" if source == "study" else "circle"
            for column, suffix, filled in (("f1_full", "full", True), ("f1_head", "head only", False)):
                fig.add_trace(
                    go.Scatter(
                        x=part["params_m"], y=part[column], mode="markers", name=f"{family}, {suffix} ({source})",
                        marker=dict(symbol=shape if filled else f"{shape}-open", size=11, color=_color(index), line=dict(width=2, color=_color(index))),
                        hovertext=[f"{m}<br>{suffix} ({source}): {v:.2f}" for m, v in zip(part["model"], part[column])],
                        hoverinfo="text",
                    )
                )
    ticks = [0.1, 0.3, 1, 3, 10, 30, 100, 300, 1000]
    fig.update_layout(
        title=title, xaxis_type="log", xaxis_title="parameters (millions, log scale)", yaxis_title=metric_label,
        xaxis=dict(tickvals=ticks, ticktext=[f"{tick:g}" for tick in ticks]),
        template="plotly_white", height=480, margin=dict(l=10, r=10, t=50, b=10),
    )
    return fig


def class_distribution(counts: dict, class_names, title: str = "") -> go.Figure:
    """Grouped bars of class counts, one group per split.

    Parameters
    ----------
    counts : dict
        ``{split: array of counts per class}``.
    """
    fig = go.Figure()
    for split, values in counts.items():
        fig.add_trace(go.Bar(x=list(class_names), y=list(values), name=split, text=list(values), textposition="outside"))
    fig.update_layout(
        title=title, barmode="group", yaxis_title="images", template="plotly_white", height=420,
        margin=dict(l=10, r=10, t=50, b=10),
    )
    return fig


def image_grid(images, captions, columns: int = 8, thumbnail: int = 96, title: str = "", caption_lines: int = 1) -> go.Figure:
    """Show uint8 images in a grid, each with a caption, as embedded PNG thumbnails.

    Parameters
    ----------
    images : sequence of arrays of uint8, shape (height, width, 3), or None
        The images; a None leaves its cell empty.
    captions : sequence of str, one per image
    columns : int, default 8
    thumbnail : int, default 96
        Thumbnail edge in pixels; images are downsampled to it to keep pages small.
    caption_lines : int, default 1
        Lines per caption (``<br>`` breaks), to leave room between rows.
    """
    n = len(images)
    if n == 0:
        fig = go.Figure()
        fig.update_layout(title=title + " (no images)", height=120, template="plotly_white")
        return fig
    rows = int(np.ceil(n / columns))
    spacing = min(0.3 / rows * caption_lines, 0.9 / max(rows - 1, 1)) if rows > 1 else 0.0
    fig = make_subplots(
        rows=rows, cols=columns, subplot_titles=list(captions), horizontal_spacing=0.02, vertical_spacing=spacing
    )
    for i, image in enumerate(images):
        if image is None:
            continue
        fig.add_trace(go.Image(source=_png_data_uri(image, thumbnail), hoverinfo="skip"), row=i // columns + 1, col=i % columns + 1)
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False)
    fig.update_annotations(font_size=10)
    row_height = thumbnail * 1.35 + 14 * (caption_lines - 1)
    fig.update_layout(title=title, height=int(rows * row_height) + 70, margin=dict(l=5, r=5, t=70, b=5), template="plotly_white")
    return fig


def class_examples(images, labels, class_names, per_class: int = 4, seed: int = 0, title: str = "") -> go.Figure:
    """Show up to ``per_class`` random examples of each class, one row per class.

    A class with fewer examples leaves the rest of its row empty.
    """
    labels = np.asarray(labels, dtype=int)
    rng = np.random.default_rng(seed)
    chosen, captions = [], []
    for class_index, name in enumerate(class_names):
        members = np.flatnonzero(labels == class_index)
        picks = rng.choice(members, min(per_class, len(members)), replace=False) if len(members) else []
        for k in range(per_class):
            chosen.append(np.asarray(images[picks[k]]) if k < len(picks) else None)
            if k == 0:
                captions.append(name if len(picks) else f"{name} (no image)")
            else:
                captions.append("")
    return image_grid(chosen, captions, columns=per_class, title=title)


def misclassified_gallery(images, y_true, y_pred, class_names, max_images: int = 24, probabilities=None, title: str = "") -> go.Figure:
    """Show misclassified images, most confident mistakes first when probabilities are given."""
    y_true, y_pred = np.asarray(y_true, dtype=int), np.asarray(y_pred, dtype=int)
    wrong = np.flatnonzero(y_true != y_pred)
    if probabilities is not None and len(wrong):
        confidence = np.asarray(probabilities)[wrong, y_pred[wrong]]
        wrong = wrong[np.argsort(-confidence)]
    wrong = wrong[:max_images]
    captions = [f"#{i} true: {class_names[y_true[i]]}<br>predicted: {class_names[y_pred[i]]}" for i in wrong]
    return image_grid([np.asarray(images[i]) for i in wrong], captions, columns=4, thumbnail=120, title=title, caption_lines=2)


def metric_bars(labels, values, errors=None, y_title: str = "", title: str = "") -> go.Figure:
    """Bars with optional asymmetric error bars ``(low, high)``, for tables such as the head ablation."""
    error_y = None
    if errors is not None:
        low = [v - e[0] for v, e in zip(values, errors)]
        high = [e[1] - v for v, e in zip(values, errors)]
        error_y = dict(type="data", symmetric=False, array=high, arrayminus=low)
    fig = go.Figure(go.Bar(x=list(labels), y=list(values), error_y=error_y, marker_color=CLASS_COLORS[0]))
    fig.update_layout(title=title, yaxis_title=y_title, template="plotly_white", height=400, margin=dict(l=10, r=10, t=50, b=10))
    return fig


def grouped_bars(frame, x: str, group: str, y: str, low: str | None = None, high: str | None = None, y_title: str = "", title: str = "") -> go.Figure:
    """Bars of ``y`` by ``x``, one colour per ``group``, with optional interval columns ``low`` and ``high``."""
    fig = go.Figure()
    for index, (name, part) in enumerate(frame.groupby(group, sort=False)):
        error_y = None
        if low is not None and high is not None:
            error_y = dict(type="data", symmetric=False, array=(part[high] - part[y]).tolist(), arrayminus=(part[y] - part[low]).tolist())
        fig.add_trace(go.Bar(x=part[x].tolist(), y=part[y].tolist(), name=str(name), error_y=error_y, marker_color=_color(index)))
    fig.update_layout(
        title=title, barmode="group", yaxis_title=y_title, template="plotly_white", height=420,
        legend_title_text=group, margin=dict(l=10, r=10, t=50, b=10),
    )
    return fig


def _png_data_uri(image: np.ndarray, size: int) -> str:
    picture = Image.fromarray(np.asarray(image, dtype=np.uint8))
    if max(picture.size) > size:
        picture = picture.resize((size, size), Image.Resampling.BICUBIC)
    buffer = io.BytesIO()
    picture.save(buffer, format="PNG", optimize=True)
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")
