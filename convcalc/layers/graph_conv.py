"""Convolutions on graphs and pooling over their nodes, as PyTorch Geometric defines them.

A graph network's input is ``input: [N, F]``: N nodes of F features; the spec's ``graph: {edges: E}``
gives the E directed edges (source -> target) the layers read through ``check.sizes["edges"]``.
Each node's features stay on axis 1 of an (N, F) tensor through the layers, so the existing dense
layer acts on them with ``over: last_axis``; a global pooling over the nodes gives one vector (F,).

MACs = transform + aggregation, both in the MACs figure; ``convcalc explain`` shows the two apart:
- transform: the products made at every node (the weight matrices, N*F*C for F -> C features);
- aggregation: one multiply-accumulate per value a message carries along an edge into its target
  (a weighted sum: GCN's normalisation, GAT's attention; an unweighted sum or mean: a multiply by 1).
Each figure counts what PyTorch Geometric computes, in its order: GCNConv transforms before it
aggregates (over C features), GraphConv, SAGEConv and GINConv aggregate the F input features first.

Spatial filters (GCNConv, GraphConv, SAGEConv, GATConv, GINConv) combine each node with its
neighbours; the spectral one (ChebConv) is a polynomial of order K-1 in the graph Laplacian, the
graph Fourier domain's filter without the eigenvectors (Defferrard, Bresson & Vandergheynst 2016):
K transforms and K-1 propagations over the edges.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from pydantic import AliasChoices, Field, PositiveInt

from convcalc.errors import LayerError
from convcalc.layers.base import Layer, LayerResult, ReceptiveField, Step, Tensor
from convcalc.symbolic import Dim, format_dim


@dataclass
class Cost:
    """A graph layer's figures on N nodes of F features and E edges, each with its formula."""

    features: Dim  # per node, out
    params: Dim
    transform: Dim
    aggregation: Dim
    flops: Dim
    params_formula: str
    transform_formula: str
    aggregation_formula: str


def _text(formula: str, **values) -> str:
    """The formula with the numbers in: each letter of ``values`` replaced by its value.

    >>> _text("(E + N)*C", E=10556, N=2708, C=16)
    '(10556 + 2708)*16'
    """
    import re

    return re.sub(r"\b(" + "|".join(values) + r")\b", lambda match: format_dim(values[match[0]]), formula)


def _edges(check) -> Dim:
    edges = check.sizes.get("edges")
    if edges is None:
        raise LayerError("graph_needs_edges")
    return edges


def _nodes_features(x: Tensor) -> tuple[Dim, Dim]:
    if len(x.dims) != 2:
        raise LayerError("graph_needs_node_features", shape=x.dims)
    return x.dims


def _with_loops(sources, targets, nodes: int):
    """The edge list without its self-loops, then one self-loop per node (PyG's remove_self_loops,
    add_self_loops)."""
    import numpy

    kept = sources != targets
    loops = numpy.arange(nodes)
    return numpy.concatenate([sources[kept], loops]), numpy.concatenate([targets[kept], loops])


def propagate(ops, values, sources, targets, weights=None):
    """Sum over the edges of ``values`` at the source (times ``weights``, edges on axis 1) into the
    target: (batch, N, ...) -> (batch, N, ...), a slice of edges at a time within the scratch budget.

    >>> import numpy; from convcalc.execute import CountingOps
    >>> ops = CountingOps("chw")
    >>> propagate(ops, numpy.array([[[1.0], [2.0], [4.0]]]), numpy.array([0, 1, 2]), numpy.array([1, 2, 1]))[0, :, 0]
    array([0., 5., 2.])
    >>> ops.macs  # one value carried along each of the 3 edges
    3
    """
    import numpy

    out = numpy.zeros_like(values)
    per_edge = max(1, values[:, :1].nbytes * 2)
    step = max(1, ops.scratch_bytes // per_edge)
    for start in range(0, len(sources), step):
        messages = values[:, sources[start:start + step]]
        if weights is not None:
            messages = messages * weights[:, start:start + step]
        ops.aggregate(out, targets[start:start + step], messages)
    return out


class GraphLayer(Layer):
    """A layer on the nodes of a graph: (N, F) -> (N, C), figures from ``cost``."""

    def infer(self, inputs, check):
        nodes, features = _nodes_features(inputs[0])
        edges = _edges(check)
        cost = self.cost(nodes, features, edges)
        return LayerResult(output=Tensor((nodes, cost.features), ReceptiveField.whole_input()),
                           trainable=cost.params, non_trainable=self.buffer_count(),
                           macs=cost.transform + cost.aggregation, flops=cost.flops, sizes={"edges": edges})

    def buffer_count(self) -> int:
        return 0

    def derivation(self, inputs, result):
        """Parameters, the transform at the nodes and the aggregation over the edges, each with the
        numbers in; MACs their sum."""
        nodes, features = inputs[0].dims
        edges = result.sizes["edges"]
        cost = self.cost(nodes, features, edges)
        values = {"N": nodes, "F": features, "E": edges, **self.letters()}
        steps = [Step("shape", self.shape_formula(), None, result.output.dims),
                 Step("params", cost.params_formula, _text(cost.params_formula, **values), cost.params),
                 Step("transform", cost.transform_formula, _text(cost.transform_formula, **values), cost.transform),
                 Step("aggregation", cost.aggregation_formula, _text(cost.aggregation_formula, **values),
                      cost.aggregation),
                 Step("macs", "MACs = transform + aggregation",
                      f"{format_dim(cost.transform)} + {format_dim(cost.aggregation)}", result.macs),
                 Step("flops", "", None, result.flops, note=("flop_rule_note", {}))]
        return steps + self.contrast(nodes, features, edges, result)

    def contrast(self, nodes, features, edges, result) -> list[Step]:
        return []

    def shape_formula(self) -> str:
        return "(N, C)"

    def letters(self) -> dict:
        """The layer's own letters in its formulas (C, K, H) with their values."""
        return {"C": self.units}


class GCNConv(GraphLayer):
    """Kipf & Welling 2017: H' = D^-1/2 (A + I) D^-1/2 H W + b, with a self-loop at every node and
    D the degrees counted at the targets with it (PyG's GCNConv, gcn_norm)."""

    kind = "gcn_conv"
    formulas = {
        "en": {"shape": "(N, C)", "params": "F*C + C", "macs": "N*F*C (transform) + (E + N)*C (aggregation)",
               "receptive_field": "the whole graph"},
        "es": {"shape": "(N, C)", "params": "F*C + C", "macs": "N*F*C (transformación) + (E + N)*C (agregación)",
               "receptive_field": "el grafo entero"},
    }
    summary = {"en": "graph convolution (Kipf & Welling): neighbours and self, symmetrically normalised",
               "es": "convolución de grafo (Kipf y Welling): vecinos y el propio nodo, con normalización simétrica"}
    flop_rule = {"en": "2 per multiply-accumulate (the transform, then the weighted sum over the E + N edges "
                       "with self-loops), plus N*C for the bias",
                 "es": "2 por multiplicación-acumulación (la transformación y luego la suma ponderada por las "
                       "E + N aristas con autobucles), más N*C para el sesgo"}

    units: PositiveInt = Field(validation_alias=AliasChoices("units", "out_channels"),
                               description="C: output features per node",
                               json_schema_extra={"es": "C: características de salida por nodo"})
    bias: bool = Field(default=True, description="add a learnt bias per output feature",
                       json_schema_extra={"es": "sumar un sesgo aprendido por característica de salida"})

    def cost(self, nodes, features, edges):
        c = self.units
        transform, aggregation = nodes * features * c, (edges + nodes) * c
        return Cost(c, features * c + (c if self.bias else 0), transform, aggregation,
                    2 * (transform + aggregation) + (nodes * c if self.bias else 0),
                    "F*C + C" if self.bias else "F*C", "N*F*C", "(E + N)*C")

    def parameter_shapes(self, inputs):
        shapes = {"lin.weight": ((self.units, inputs[0].dims[1]), True)}
        return {**shapes, "bias": ((self.units,), True)} if self.bias else shapes

    def forward(self, arrays, params, ops):
        import numpy

        (x,) = arrays
        nodes = x.shape[1]
        sources, targets = _with_loops(*ops.edges, nodes)
        scale = numpy.bincount(targets, minlength=nodes).astype(x.dtype) ** -0.5
        norm = (scale[sources] * scale[targets])[None, :, None]
        out = propagate(ops, ops.matmul(x, params["lin.weight"].T), sources, targets, norm)
        return out + params["bias"] if self.bias else out


class ChebConv(GraphLayer):
    """Defferrard et al. 2016: sum over k < K of T_k(L~) X W_k + b, T_k Chebyshev polynomials of the
    scaled Laplacian L~ = 2L/lambda_max - I, L = I - D^-1/2 A D^-1/2 with D counted at the sources
    and lambda_max = 2 (PyG's ChebConv, normalization 'sym'): T_0 = X, T_1 = L~X,
    T_k = 2 L~ T_(k-1) - T_(k-2). L~ keeps its diagonal (zero) as N entries: E + N per propagation."""

    kind = "cheb_conv"
    formulas = {
        "en": {"shape": "(N, C)", "params": "K*F*C + C",
               "macs": "K*N*F*C (transform) + (K - 1)*(E + N)*F (aggregation)",
               "receptive_field": "the whole graph"},
        "es": {"shape": "(N, C)", "params": "K*F*C + C",
               "macs": "K*N*F*C (transformación) + (K - 1)*(E + N)*F (agregación)",
               "receptive_field": "el grafo entero"},
    }
    summary = {"en": "Chebyshev spectral graph convolution (Defferrard et al.): a polynomial of order K-1 in the "
                     "Laplacian",
               "es": "convolución espectral de Chebyshev (Defferrard et al.): un polinomio de orden K-1 en el "
                     "laplaciano"}
    flop_rule = {"en": "2 per multiply-accumulate (K transforms, K-1 weighted sums over the E + N entries of L~), "
                       "plus N*F per T_k beyond T_1 (2*L~T - T), (K-1)*N*C adding the K terms, N*C for the bias",
                 "es": "2 por multiplicación-acumulación (K transformaciones, K-1 sumas ponderadas por las E + N "
                       "entradas de L~), más N*F por cada T_k tras T_1 (2*L~T - T), (K-1)*N*C al sumar los K "
                       "términos, N*C para el sesgo"}

    units: PositiveInt = Field(validation_alias=AliasChoices("units", "out_channels"),
                               description="C: output features per node",
                               json_schema_extra={"es": "C: características de salida por nodo"})
    order: PositiveInt = Field(validation_alias=AliasChoices("order", "K"),
                               description="K: the filter's size, polynomials T_0 ... T_(K-1): K hops",
                               json_schema_extra={"es": "K: el tamaño del filtro, polinomios T_0 ... T_(K-1): K saltos"})
    bias: bool = Field(default=True, description="add a learnt bias per output feature",
                       json_schema_extra={"es": "sumar un sesgo aprendido por característica de salida"})

    def letters(self):
        return {"C": self.units, "K": self.order}

    def cost(self, nodes, features, edges):
        c, k = self.units, self.order
        transform, aggregation = k * nodes * features * c, (k - 1) * (edges + nodes) * features
        flops = 2 * (transform + aggregation) + max(k - 2, 0) * nodes * features + (k - 1) * nodes * c
        return Cost(c, k * features * c + (c if self.bias else 0), transform, aggregation,
                    flops + (nodes * c if self.bias else 0),
                    "K*F*C + C" if self.bias else "K*F*C", "K*N*F*C", "(K - 1)*(E + N)*F")

    def contrast(self, nodes, features, edges, result):
        """What a GCNConv to the same C features costs on the same graph: the spatial filter of one
        hop against this spectral one of K."""
        gcn = GCNConv(units=self.units).cost(nodes, features, edges)
        macs = gcn.transform + gcn.aggregation
        return [Step("spectral", "GCNConv: N*F*C + (E + N)*C",
                     _text("N*F*C + (E + N)*C", N=nodes, F=features, E=edges, C=self.units), macs,
                     note=("graph_spectral_contrast", {"order": self.order, "ours": format_dim(result.macs),
                                                       "gcn": format_dim(macs)}))]

    def parameter_shapes(self, inputs):
        shapes = {f"lins.{k}.weight": ((self.units, inputs[0].dims[1]), True) for k in range(self.order)}
        return {"bias": ((self.units,), True), **shapes} if self.bias else shapes

    def forward(self, arrays, params, ops):
        """A slice of the input features at a time: L~ acts on the nodes, each feature apart, so the
        polynomials of a slice need only that slice (the scratch budget bounds them)."""
        import numpy

        (x,) = arrays
        nodes = x.shape[1]
        sources, targets = ops.edges
        kept = sources != targets
        sources, targets = sources[kept], targets[kept]
        degree = numpy.bincount(sources, minlength=nodes).astype(x.dtype)
        with numpy.errstate(divide="ignore"):
            scale = numpy.where(degree > 0, degree ** -0.5, 0)
        loops = numpy.arange(nodes)
        sources, targets = numpy.concatenate([sources, loops]), numpy.concatenate([targets, loops])
        weights = numpy.concatenate([-scale[sources[:-nodes]] * scale[targets[:-nodes]],
                                     numpy.zeros(nodes, x.dtype)])[None, :, None]
        out = numpy.zeros((x.shape[0], nodes, self.units), x.dtype)
        width = max(1, ops.scratch_bytes // max(1, 4 * x.itemsize * x.shape[0] * (nodes + len(sources))))
        for first in range(0, x.shape[2], width):
            columns = slice(first, first + width)
            before, current = None, x[:, :, columns]
            for k in range(self.order):
                if k == 1:
                    before, current = current, propagate(ops, current, sources, targets, weights)
                elif k > 1:
                    before, current = current, 2 * propagate(ops, current, sources, targets, weights) - before
                out += ops.matmul(current, params[f"lins.{k}.weight"][:, columns].T)
        return out + params["bias"] if self.bias else out


class GraphConv(GraphLayer):
    """Morris et al. 2019 ('Weisfeiler and Leman go neural'): x'_i = W_1 x_i + W_2 sum_j x_j + b
    over the edges j -> i (PyG's GraphConv, aggr 'add': lin_root and lin_rel)."""

    kind = "graph_conv"
    formulas = {
        "en": {"shape": "(N, C)", "params": "2*F*C + C", "macs": "2*N*F*C (transform) + E*F (aggregation)",
               "receptive_field": "the whole graph"},
        "es": {"shape": "(N, C)", "params": "2*F*C + C", "macs": "2*N*F*C (transformación) + E*F (agregación)",
               "receptive_field": "el grafo entero"},
    }
    summary = {"en": "graph convolution (Morris et al.): self and the sum of the neighbours, each its own weights",
               "es": "convolución de grafo (Morris et al.): el nodo y la suma de sus vecinos, cada uno con sus pesos"}
    flop_rule = {"en": "2 per weight multiply-accumulate, 1 per value summed over the E edges, N*C adding the "
                       "two terms, N*C for the bias",
                 "es": "2 por multiplicación-acumulación de pesos, 1 por valor sumado por las E aristas, N*C al "
                       "sumar los dos términos, N*C para el sesgo"}
    mean: ClassVar[bool] = False
    names: ClassVar[tuple[str, str]] = ("lin_rel", "lin_root")  # (neighbours, self)

    units: PositiveInt = Field(validation_alias=AliasChoices("units", "out_channels"),
                               description="C: output features per node",
                               json_schema_extra={"es": "C: características de salida por nodo"})
    bias: bool = Field(default=True, description="add a learnt bias per output feature",
                       json_schema_extra={"es": "sumar un sesgo aprendido por característica de salida"})

    def cost(self, nodes, features, edges):
        c = self.units
        transform, aggregation = 2 * nodes * features * c, edges * features
        flops = 2 * transform + aggregation + nodes * c + (nodes * features if self.mean else 0)
        return Cost(c, 2 * features * c + (c if self.bias else 0), transform, aggregation,
                    flops + (nodes * c if self.bias else 0),
                    "2*F*C + C" if self.bias else "2*F*C", "2*N*F*C", "E*F")

    def parameter_shapes(self, inputs):
        neighbours, own = self.names
        shape = (self.units, inputs[0].dims[1])
        shapes = {f"{neighbours}.weight": (shape, True)}
        if self.bias:
            shapes[f"{neighbours}.bias"] = ((self.units,), True)
        return {**shapes, f"{own}.weight": (shape, True)}

    def forward(self, arrays, params, ops):
        import numpy

        (x,) = arrays
        sources, targets = ops.edges
        summed = propagate(ops, x, sources, targets)
        if self.mean:
            summed /= numpy.maximum(numpy.bincount(targets, minlength=x.shape[1]), 1)[None, :, None]
        neighbours, own = self.names
        out = ops.matmul(summed, params[f"{neighbours}.weight"].T)
        if self.bias:
            out += params[f"{neighbours}.bias"]
        return out + ops.matmul(x, params[f"{own}.weight"].T)


class SAGEConv(GraphConv):
    """Hamilton, Ying & Leskovec 2017 (GraphSAGE), mean aggregation: x'_i = W_1 x_i + W_2 mean_j x_j + b
    (PyG's SAGEConv: lin_r for the node, lin_l with the bias for its neighbours; no neighbour gives 0)."""

    kind = "sage_conv"
    formulas = {
        "en": {"shape": "(N, C)", "params": "2*F*C + C", "macs": "2*N*F*C (transform) + E*F (aggregation)",
               "receptive_field": "the whole graph"},
        "es": {"shape": "(N, C)", "params": "2*F*C + C", "macs": "2*N*F*C (transformación) + E*F (agregación)",
               "receptive_field": "el grafo entero"},
    }
    summary = {"en": "GraphSAGE convolution: self and the mean of the neighbours, each its own weights",
               "es": "convolución GraphSAGE: el nodo y la media de sus vecinos, cada uno con sus pesos"}
    flop_rule = {"en": "as graph_conv, plus N*F divisions for the mean",
                 "es": "como graph_conv, más N*F divisiones para la media"}
    mean = True
    names = ("lin_l", "lin_r")


class GATConv(GraphLayer):
    """Veličković et al. 2018: per head, x'_i = sum_j alpha_ij W x_j over the edges j -> i and a
    self-loop, alpha = softmax over j of LeakyReLU(a_src . W x_j + a_dst . W x_i); the heads
    concatenated (H*C) or averaged (C), then the bias (PyG's GATConv)."""

    kind = "gat_conv"
    formulas = {
        "en": {"shape": "(N, H*C) concatenated, (N, C) averaged",
               "params": "F*H*C + 2*H*C + H*C (concat) or C (mean)",
               "macs": "N*F*H*C + 2*N*H*C (transform) + (E + N)*H*C (aggregation)",
               "receptive_field": "the whole graph"},
        "es": {"shape": "(N, H*C) concatenadas, (N, C) promediadas",
               "params": "F*H*C + 2*H*C + H*C (concatenadas) o C (media)",
               "macs": "N*F*H*C + 2*N*H*C (transformación) + (E + N)*H*C (agregación)",
               "receptive_field": "el grafo entero"},
    }
    summary = {"en": "graph attention (Veličković et al.): neighbours weighted by learnt attention, per head",
               "es": "atención en grafos (Veličković et al.): vecinos ponderados por una atención aprendida, por "
                     "cabeza"}
    flop_rule = {"en": "2 per multiply-accumulate (the transform, the attention scores a.Wx, the weighted sum), "
                       "6 per edge and head for the softmax (add, LeakyReLU, max, exp, sum, divide), N*H*C to "
                       "average the heads, the bias",
                 "es": "2 por multiplicación-acumulación (la transformación, las puntuaciones a.Wx, la suma "
                       "ponderada), 6 por arista y cabeza para el softmax (suma, LeakyReLU, máximo, exp, suma, "
                       "división), N*H*C al promediar las cabezas, el sesgo"}

    units: PositiveInt = Field(validation_alias=AliasChoices("units", "out_channels"),
                               description="C: output features per node and head",
                               json_schema_extra={"es": "C: características de salida por nodo y cabeza"})
    heads: PositiveInt = Field(default=1, description="H: independent attention heads",
                               json_schema_extra={"es": "H: cabezas de atención independientes"})
    concat: bool = Field(default=True, description="true: the heads side by side (H*C); false: their mean (C)",
                         json_schema_extra={"es": "true: las cabezas una junto a otra (H*C); false: su media (C)"})
    negative_slope: float = Field(default=0.2, ge=0, description="LeakyReLU's slope in the attention scores",
                                  json_schema_extra={"es": "la pendiente de la LeakyReLU en las puntuaciones de "
                                                           "atención"})
    bias: bool = Field(default=True, description="add a learnt bias per output feature",
                       json_schema_extra={"es": "sumar un sesgo aprendido por característica de salida"})

    def letters(self):
        return {"C": self.units, "H": self.heads}

    def shape_formula(self):
        return "(N, H*C)" if self.concat else "(N, C)"

    @property
    def width(self) -> int:
        return self.heads * self.units if self.concat else self.units

    def cost(self, nodes, features, edges):
        hc = self.heads * self.units
        transform, aggregation = nodes * features * hc + 2 * nodes * hc, (edges + nodes) * hc
        flops = 2 * (transform + aggregation) + 6 * (edges + nodes) * self.heads + (
            0 if self.concat else nodes * hc) + (nodes * self.width if self.bias else 0)
        params = features * hc + 2 * hc + (self.width if self.bias else 0)
        return Cost(self.width, params, transform, aggregation, flops,
                    ("F*H*C + 2*H*C + " + ("H*C" if self.concat else "C")) if self.bias else "F*H*C + 2*H*C",
                    "N*F*H*C + 2*N*H*C", "(E + N)*H*C")

    def parameter_shapes(self, inputs):
        shapes = {"att_src": ((1, self.heads, self.units), True), "att_dst": ((1, self.heads, self.units), True)}
        if self.bias:
            shapes["bias"] = ((self.width,), True)
        return {**shapes, "lin.weight": ((self.heads * self.units, inputs[0].dims[1]), True)}

    def forward(self, arrays, params, ops):
        import numpy

        (x,) = arrays
        batch, nodes = x.shape[:2]
        sources, targets = _with_loops(*ops.edges, nodes)
        h = ops.matmul(x, params["lin.weight"].T).reshape(batch, nodes, self.heads, self.units)
        scores = {side: ops.matmul(h[..., None, :], params[side].reshape(self.heads, self.units, 1))[..., 0, 0]
                  for side in ("att_src", "att_dst")}  # (batch, N, H)
        logits = scores["att_src"][:, sources] + scores["att_dst"][:, targets]
        logits = numpy.where(logits > 0, logits, logits * self.negative_slope)
        peak = numpy.full((batch, nodes, self.heads), -numpy.inf, x.dtype)
        numpy.maximum.at(peak, (slice(None), targets), logits)
        weights = numpy.exp(logits - peak[:, targets])
        total = numpy.zeros_like(peak)
        numpy.add.at(total, (slice(None), targets), weights)
        weights /= total[:, targets] + 1e-16  # PyG's softmax
        out = propagate(ops, h, sources, targets, weights[..., None])
        out = out.reshape(batch, nodes, -1) if self.concat else out.mean(axis=2)
        return out + params["bias"] if self.bias else out


class GINConv(GraphLayer):
    """Xu et al. 2019 (How powerful are graph neural networks?): (1 + eps) x_i + sum_j x_j over the
    edges j -> i; the MLP PyG's GINConv(nn) applies after it is the spec's dense layers (over
    last_axis) that follow, best written as a block. eps is a buffer, or a parameter with train_eps."""

    kind = "gin_conv"
    summary = {"en": "graph isomorphism aggregation (Xu et al.): (1 + eps) * self + the sum of the neighbours; "
                     "its MLP follows as dense layers",
               "es": "agregación de isomorfismo de grafos (Xu et al.): (1 + eps) * el nodo + la suma de sus vecinos; "
                     "su MLP sigue como capas densas"}
    formulas = {
        "en": {"shape": "(N, F): unchanged", "params": "0 (eps a buffer), 1 with train_eps",
               "macs": "N*F (transform: (1 + eps)*x) + E*F (aggregation)", "receptive_field": "the whole graph"},
        "es": {"shape": "(N, F): sin cambios", "params": "0 (eps un búfer), 1 con train_eps",
               "macs": "N*F (transformación: (1 + eps)*x) + E*F (agregación)", "receptive_field": "el grafo entero"},
    }
    flop_rule = {"en": "1 per value summed over the E edges, 2*N*F for (1 + eps)*x added",
                 "es": "1 por valor sumado por las E aristas, 2*N*F para sumar (1 + eps)*x"}

    eps: float = Field(default=0.0, description="eps: the node's own weight is 1 + eps",
                       json_schema_extra={"es": "eps: el peso del propio nodo es 1 + eps"})
    train_eps: bool = Field(default=False, description="learn eps (a parameter) instead of holding it (a buffer)",
                            json_schema_extra={"es": "aprender eps (un parámetro) en vez de fijarlo (un búfer)"})

    def buffer_count(self) -> int:
        return 0 if self.train_eps else 1

    def shape_formula(self):
        return "(N, F)"

    def letters(self):
        return {}

    def cost(self, nodes, features, edges):
        return Cost(features, 1 if self.train_eps else 0, nodes * features, edges * features,
                    2 * nodes * features + edges * features, "1 (eps)" if self.train_eps else "0", "N*F", "E*F")

    def parameter_shapes(self, inputs):
        return {"eps": ((1,), self.train_eps)}

    def forward(self, arrays, params, ops):
        import numpy

        (x,) = arrays
        summed = propagate(ops, x, *ops.edges)
        ops.aggregate(summed, numpy.arange(x.shape[1]), (1 + params["eps"][0]) * x)  # the node's own term
        return summed


class GlobalNodePool(Layer):
    """One vector per graph: a reduction over the nodes, (N, F) -> (F,) (PyG's global_*_pool with
    one graph per sample of the batch)."""

    formulas = {
        "en": {"shape": "(F,)", "params": "0", "macs": "0 (no weights)", "receptive_field": "the whole graph"},
        "es": {"shape": "(F,)", "params": "0", "macs": "0 (sin pesos)", "receptive_field": "el grafo entero"},
    }
    reduction: ClassVar[str]

    def infer(self, inputs, check):
        nodes, features = _nodes_features(inputs[0])
        flops = nodes * features if self.reduction == "mean" else (nodes - 1) * features
        return LayerResult(output=Tensor((features,), ReceptiveField.whole_input()), trainable=0, non_trainable=0,
                           macs=0, flops=flops)

    def forward(self, arrays, params, ops):
        return getattr(arrays[0], self.reduction)(axis=1)


class GlobalMeanPool(GlobalNodePool):
    kind = "global_mean_pool"
    summary = {"en": "global mean pooling over the nodes: one vector per graph",
               "es": "agrupación global por media sobre los nodos: un vector por grafo"}
    flop_rule = {"en": "N per feature (N - 1 additions, 1 division)", "es": "N por característica (N - 1 sumas, "
                 "1 división)"}
    reduction = "mean"


class GlobalAddPool(GlobalNodePool):
    kind = "global_add_pool"
    summary = {"en": "global sum pooling over the nodes: one vector per graph",
               "es": "agrupación global por suma sobre los nodos: un vector por grafo"}
    flop_rule = {"en": "N - 1 additions per feature", "es": "N - 1 sumas por característica"}
    reduction = "sum"


class GlobalMaxPool(GlobalNodePool):
    kind = "global_max_pool"
    summary = {"en": "global max pooling over the nodes: one vector per graph",
               "es": "agrupación global por máximo sobre los nodos: un vector por grafo"}
    flop_rule = {"en": "N - 1 comparisons per feature", "es": "N - 1 comparaciones por característica"}
    reduction = "max"
