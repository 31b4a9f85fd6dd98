"""Networks from posts: hashtag co-occurrence, mentions, replies, author–hashtag; communities; files; a drawing.

Pure: no Django. Input rows are plain tuples read by socialgood.analyze.analyses.
Node names are hashtags and pseudonyms, never handles.
"""

import html
import io
from itertools import combinations

import networkx as nx
import numpy as np

KINDS = {
    "hashtags": "Hashtag co-occurrence",
    "mentions": "Mentions between people",
    "replies": "Replies between people",
    "author_hashtag": "Authors and their hashtags",
}
DRAW_LIMIT = 2000


def cooccurrence(tag_sets):
    """Undirected: an edge between two hashtags weighs the number of posts that carry both."""
    graph = nx.Graph()
    for tags in tag_sets:
        tags = sorted(set(tags))
        for tag in tags:
            _bump_node(graph, tag, "hashtag")
        for a, b in combinations(tags, 2):
            _bump_edge(graph, a, b)
    return graph


def person_links(pairs):
    """Directed, from (source person, target person) pairs: who mentions or replies to whom."""
    graph = nx.DiGraph()
    for source, target in pairs:
        if not source or not target:
            continue
        for node in (source, target):
            if node not in graph:
                graph.add_node(node, kind="person", posts=0)
        graph.nodes[source]["posts"] += 1
        _bump_edge(graph, source, target)
    return graph


def author_hashtag(pairs):
    """Bipartite: authors on one side, hashtags on the other, edge weight = posts."""
    graph = nx.Graph()
    for author, tag in pairs:
        a, t = f"@{author}", f"#{tag}"
        if a not in graph:
            graph.add_node(a, kind="author", bipartite=0, label=author, posts=0)
        if t not in graph:
            graph.add_node(t, kind="hashtag", bipartite=1, label=tag, posts=0)
        graph.nodes[a]["posts"] += 1
        graph.nodes[t]["posts"] += 1
        _bump_edge(graph, a, t)
    return graph


def add_communities(graph, seed=1):
    """Label nodes with Louvain communities (1 = largest); returns the number of communities."""
    if graph.number_of_nodes() == 0:
        return 0
    undirected = graph.to_undirected() if graph.is_directed() else graph
    communities = nx.community.louvain_communities(undirected, weight="weight", seed=seed)
    communities = sorted(communities, key=lambda c: (-len(c), min(map(str, c))))
    for number, members in enumerate(communities, start=1):
        for node in members:
            graph.nodes[node]["community"] = number
    return len(communities)


def summary(graph, limit=100):
    """Nodes and edges for tables: the strongest first."""
    strength = dict(graph.degree(weight="weight"))
    nodes = sorted(graph.nodes(data=True), key=lambda item: (-strength[item[0]], str(item[0])))
    edges = sorted(graph.edges(data=True), key=lambda e: (-e[2]["weight"], str(e[0]), str(e[1])))
    return {
        "nodes": graph.number_of_nodes(),
        "edges": graph.number_of_edges(),
        "directed": graph.is_directed(),
        "top_nodes": [
            {
                "name": data.get("label", name),
                "kind": data.get("kind", ""),
                "posts": data.get("posts", 0),
                "strength": strength[name],
                "community": data.get("community"),
            }
            for name, data in nodes[:limit]
        ],
        "top_edges": [
            {"source": _label(graph, a), "target": _label(graph, b), "weight": data["weight"]}
            for a, b, data in edges[:limit]
        ],
    }


def gexf_bytes(graph):
    out = io.BytesIO()
    nx.write_gexf(graph, out)
    return out.getvalue()


def graphml_bytes(graph):
    out = io.BytesIO()
    nx.write_graphml(graph, out)
    return out.getvalue()


def draw_svg(graph, *, title, limit=DRAW_LIMIT, size=900, seed=1):
    """A force-directed drawing of the `limit` strongest nodes, as an accessible SVG.

    Node size follows weighted degree, colour the community; each node carries a
    <title> so pointing at it names it. The tables beside it are the accessible view.
    """
    strength = dict(graph.degree(weight="weight"))
    keep = sorted(graph.nodes, key=lambda n: (-strength[n], str(n)))[:limit]
    sub = graph.subgraph(keep)
    if sub.number_of_nodes() == 0:
        return ""
    positions = layout(sub, keep, seed=seed)
    biggest = max(strength[n] for n in keep) or 1
    margin = 20

    def xy(node):
        x, y = positions[node]
        return margin + (x + 1) / 2 * (size - 2 * margin), margin + (y + 1) / 2 * (
            size - 2 * margin
        )

    parts = [
        f'<svg role="img" aria-label="{html.escape(title)}" class="network" viewBox="0 0 {size} {size}" '
        'xmlns="http://www.w3.org/2000/svg">',
        f"<title>{html.escape(title)}</title>",
        '<g class="edges" stroke="#8a9499" stroke-opacity="0.5">',
    ]
    heaviest = max((d["weight"] for _, _, d in sub.edges(data=True)), default=1)
    for a, b, data in sub.edges(data=True):
        (x1, y1), (x2, y2) = xy(a), xy(b)
        width = 0.4 + 2.6 * data["weight"] / heaviest
        parts.append(
            f'<line x1="{x1:.1f}" y1="{y1:.1f}" x2="{x2:.1f}" y2="{y2:.1f}" stroke-width="{width:.2f}"/>'
        )
    parts.append('</g><g class="nodes" stroke="#fff" stroke-width="0.5">')
    for node in keep:
        x, y = xy(node)
        radius = 2.5 + 12 * (strength[node] / biggest) ** 0.5
        colour = PALETTE[(sub.nodes[node].get("community", 1) - 1) % len(PALETTE)]
        name = html.escape(str(_label(graph, node)))
        parts.append(
            f'<circle cx="{x:.1f}" cy="{y:.1f}" r="{radius:.1f}" fill="{colour}"><title>{name}</title></circle>'
        )
    parts.append('</g><g class="labels" font-size="11" font-family="sans-serif" fill="#1d2327">')
    for node in keep[:30]:
        x, y = xy(node)
        label = html.escape(str(_label(graph, node)))
        parts.append(f'<text x="{x + 6:.1f}" y="{y - 6:.1f}">{label}</text>')
    parts.append("</g></svg>")
    return "".join(parts)


def layout(graph, nodes, *, seed=1, iterations=50):
    """Fruchterman–Reingold positions in [-1, 1]², vectorised with numpy.

    networkx switches to a per-node Python loop above 500 nodes (a minute for 2,000);
    the dense form below does a 2,000-node graph in seconds. Attraction grows with the
    logarithm of edge weight so a few heavy edges do not pull everything into a knot.
    """
    count = len(nodes)
    if count == 1:
        return {nodes[0]: (0.0, 0.0)}
    index = {node: i for i, node in enumerate(nodes)}
    attraction = np.zeros((count, count), dtype=np.float32)
    for a, b, data in graph.edges(data=True):
        i, j = index[a], index[b]
        attraction[i, j] = attraction[j, i] = np.log1p(data["weight"])
    x, y = np.random.default_rng(seed).random((2, count), dtype=np.float32)
    k = np.float32(np.sqrt(1.0 / count))
    temperature = 0.1
    cooling = temperature / (iterations + 1)
    for _ in range(iterations):
        dx, dy = x[:, None] - x[None, :], y[:, None] - y[None, :]
        distance = np.maximum(np.sqrt(dx * dx + dy * dy), 0.01)
        force = k * k / (distance * distance) - attraction * distance / k
        move_x, move_y = (dx * force).sum(axis=1), (dy * force).sum(axis=1)
        length = np.maximum(np.sqrt(move_x * move_x + move_y * move_y), 0.01)
        x += move_x * (temperature / length)
        y += move_y * (temperature / length)
        temperature -= cooling
    positions = np.stack([x - x.mean(), y - y.mean()], axis=1)
    positions /= np.abs(positions).max() or 1
    return {node: (float(positions[i, 0]), float(positions[i, 1])) for node, i in index.items()}


# Okabe–Ito, readable by people with the common colour-vision deficiencies.
PALETTE = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000"]


def _bump_node(graph, node, kind):
    if node not in graph:
        graph.add_node(node, kind=kind, posts=0)
    graph.nodes[node]["posts"] += 1


def _bump_edge(graph, a, b):
    if graph.has_edge(a, b):
        graph[a][b]["weight"] += 1
    else:
        graph.add_edge(a, b, weight=1)


def _label(graph, node):
    return graph.nodes[node].get("label", node)
