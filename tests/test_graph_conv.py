"""Graph convolutions (issue 17) against PyTorch Geometric, the oracle: for each layer type on a
small random graph, the parameter count equals PyG's, the NumPy forward equals PyG's forward on the
same weights and edge list, and the MACs by the stated rule equal what PyG computes:
- the transform: torch's FlopCounterMode on PyG's forward counts the matmuls (2 FLOPs a product);
- the aggregation: a message hook on PyG's layer (MessagePassing.register_message_forward_hook)
  counts the values its messages carry to their targets, one multiply-accumulate each.
GAT's attention scores (a . Wx, 2*N*H*C products, an elementwise product PyG sums, which
FlopCounterMode does not count) and GIN's (1 + eps)*x (N*F) are added by hand to that count.
"""

from __future__ import annotations

import json

import numpy as np
import pytest
from click.testing import CliRunner

from conftest import SPECS, analyze_file, analyze_text, one_spec
from convcalc.cli import main
from convcalc.execute import execute, random_edges
from convcalc.symbolic import substitute

torch = pytest.importorskip("torch")
pyg = pytest.importorskip("torch_geometric.nn")

NODES, FEATURES, EDGES = 9, 5, 23

LAYERS = {  # spec entry -> (PyG module, MACs PyG's matmuls and messages do not show)
    "gcn_conv: {units: 4}": (lambda: pyg.GCNConv(FEATURES, 4), 0),
    "gcn_conv: {units: 4, bias: false}": (lambda: pyg.GCNConv(FEATURES, 4, bias=False), 0),
    "cheb_conv: {units: 4, order: 1}": (lambda: pyg.ChebConv(FEATURES, 4, K=1), 0),
    "cheb_conv: {units: 4, order: 3}": (lambda: pyg.ChebConv(FEATURES, 4, K=3), 0),
    "cheb_conv: {units: 3, order: 4, bias: false}": (lambda: pyg.ChebConv(FEATURES, 3, K=4, bias=False), 0),
    "graph_conv: {units: 4}": (lambda: pyg.GraphConv(FEATURES, 4), 0),
    "sage_conv: {units: 4}": (lambda: pyg.SAGEConv(FEATURES, 4), 0),
    "gat_conv: {units: 3, heads: 2}": (lambda: pyg.GATConv(FEATURES, 3, heads=2), 2 * NODES * 2 * 3),
    "gat_conv: {units: 3, heads: 4, concat: false}": (lambda: pyg.GATConv(FEATURES, 3, heads=4, concat=False),
                                                       2 * NODES * 4 * 3),
    "gin_conv: {eps: 0.5}": (lambda: pyg.GINConv(torch.nn.Identity(), eps=0.5), NODES * FEATURES),
    "gin_conv: {train_eps: true}": (lambda: pyg.GINConv(torch.nn.Identity(), train_eps=True), NODES * FEATURES),
}


def spec(layers: str, edges=EDGES, nodes=NODES, features=FEATURES) -> str:
    return f"name: g\ninput: [{nodes}, {features}]\ndtype: float64\ngraph: {{edges: {edges}}}\nlayers:\n{layers}"


def pyg_counts(module, x, edge_index):
    """(products in PyG's matmuls, values its messages carry) of one forward."""
    from torch.utils.flop_counter import FlopCounterMode

    carried = []
    module.register_message_forward_hook(lambda layer, inputs, output: carried.append(output.numel()))
    with FlopCounterMode(display=False) as counter, torch.no_grad():
        out = module(x, edge_index)
    return out, counter.get_total_flops() // 2, sum(carried)


@pytest.mark.parametrize("entry", LAYERS)
def test_layer_matches_pytorch_geometric(entry, one_torch_thread):
    make, uncounted = LAYERS[entry]
    analysis = analyze_text(spec(f"  - {entry}\n"))
    assert not analysis.errors, [finding.render() for finding in analysis.errors]
    run = execute(analysis, seed=3)
    (report,) = analysis.layers
    torch.manual_seed(0)
    module = make().double()
    state = {key.removeprefix(f"{report.name}."): torch.from_numpy(value) for key, value in run.weights.items()}
    module.load_state_dict(state, strict=True)
    held = sum(p.numel() for p in module.parameters())
    buffers = sum(b.numel() for b in module.buffers())
    assert (report.result.trainable, report.result.non_trainable) == (held, buffers)
    edge_index = torch.from_numpy(random_edges(NODES, EDGES, seed=3))
    out, products, carried = pyg_counts(module, torch.from_numpy(run.input[0]), edge_index)
    np.testing.assert_allclose(run.outputs[report.name][0], out.numpy(), rtol=1e-10, atol=1e-12)
    assert report.result.macs == products + carried + uncounted
    assert run.layers[0].macs == report.result.macs  # the executor counted what the analysis states


@pytest.mark.parametrize("entry", ["cheb_conv: {units: 4, order: 3}", "gat_conv: {units: 3, heads: 2}",
                                   "sage_conv: {units: 4}"])
def test_a_batch_of_graphs_is_each_graph_through_pytorch_geometric(entry, one_torch_thread):
    """batch: 3 is three graphs of the same nodes and edges, each as PyG computes it alone; the
    MACs are three times one graph's."""
    make, _ = LAYERS[entry]
    analysis = analyze_text(spec(f"  - {entry}\n").replace("dtype:", "batch: 3\ndtype:"))
    run = execute(analysis, seed=5)
    (report,) = analysis.layers
    module = make().double()
    module.load_state_dict({key.removeprefix(f"{report.name}."): torch.from_numpy(value)
                            for key, value in run.weights.items()})
    edge_index = torch.from_numpy(random_edges(NODES, EDGES, seed=5))
    with torch.no_grad():
        for graph in range(3):
            expected = module(torch.from_numpy(run.input[graph]), edge_index).numpy()
            np.testing.assert_allclose(run.outputs[report.name][graph], expected, rtol=1e-10, atol=1e-12)
    assert run.layers[0].macs == 3 * report.result.macs


def test_gcn_figures_by_hand():
    """GCNConv 5 -> 4 on 9 nodes and 23 edges: params 5*4 + 4 = 24; transform 9*5*4 = 180, aggregation
    over the edges and the 9 self-loops (23 + 9)*4 = 128."""
    analysis = analyze_text(spec("  - gcn_conv: {units: 4}\n"))
    (report,) = analysis.layers
    assert (report.params, report.result.macs, report.shape) == (24, 180 + 128, (9, 4))
    assert report.result.flops == 2 * (180 + 128) + 9 * 4  # 2 a MAC, and the bias at each node


def test_cheb_and_gat_figures_by_hand():
    """ChebConv 5 -> 4, K = 3: params 3*5*4 + 4 = 64; transform 3*9*5*4 = 540, aggregation
    2*(23 + 9)*5 = 320. GATConv 5 -> 2 heads of 3 averaged: params 5*6 + 2*6 + 3 = 45; transform
    9*5*6 + 2*9*6 = 378, aggregation (23 + 9)*6 = 192; shape (9, 3)."""
    cheb, gat = analyze_text(spec("  - cheb_conv: {units: 4, K: 3}\n"
                                  "  - gat_conv: {units: 3, heads: 2, concat: false, inputs: [input]}\n")).layers
    assert (cheb.params, cheb.result.macs) == (64, 540 + 320)
    assert (gat.params, gat.result.macs, gat.shape) == (45, 378 + 192, (9, 3))


def test_symbolic_nodes_and_edges():
    """N nodes, E edges: a GCNConv F -> 16 costs N*F*16 + (E + N)*16 MACs; --set gives numbers."""
    analysis = analyze_text("name: g\ninput: [N, 1433]\ngraph: {edges: E}\nlayers:\n  - gcn_conv: {units: 16}\n")
    assert analysis.symbols == ("E", "N")
    macs = analysis.totals.macs
    assert substitute(macs, {"N": 2708, "E": 10556}) == 2708 * 1433 * 16 + (10556 + 2708) * 16
    result = CliRunner().invoke(main, ["analyze", "-", "--set", "E=10556", "--set", "N=2708", "--format", "json"],
                                input="name: g\ninput: [N, 1433]\ngraph: {edges: E}\nlayers:\n"
                                      "  - gcn_conv: {units: 16}\n")
    assert result.exit_code == 0, result.output
    assert one_spec(result.stdout)["totals"]["macs"] == 2708 * 1433 * 16 + (10556 + 2708) * 16


def test_a_graph_layer_without_edges_is_one_clear_error():
    analysis = analyze_text("name: g\ninput: [9, 5]\nlayers:\n  - gcn_conv: {units: 4}\n")
    assert [finding.key for finding in analysis.errors] == ["graph_needs_edges"]
    analysis = analyze_text(spec("  - gcn_conv: {units: 4}\n").replace("[9, 5]", "[3, 9, 5]"))
    assert [finding.key for finding in analysis.errors] == ["graph_needs_node_features"]


def test_gin_block_and_pooling_match_pytorch_geometric(one_torch_thread):
    """GIN's MLP as the spec's block (dense over the last axis), then global pooling and a classifier;
    against PyG's GINConv(nn) and global_*_pool."""
    from torch_geometric.nn import global_add_pool, global_max_pool, global_mean_pool

    layers = """blocks:
  gin:
    params: {units: null}
    layers:
      - gin_conv: {name: conv}
      - dense: {name: mlp.0, units: $units, over: last_axis}
      - relu
      - dense: {name: mlp.2, units: $units, over: last_axis}
layers:
  - gin: {name: gin1, units: 6}
  - global_%s_pool: {name: pool}
  - dense: {name: head, units: 2}
"""
    for reduction, pool in (("mean", global_mean_pool), ("add", global_add_pool), ("max", global_max_pool)):
        text = spec("").removesuffix("layers:\n") + layers % reduction
        analysis = analyze_text(text)
        assert not analysis.errors, [finding.render() for finding in analysis.errors]
        run = execute(analysis, seed=1)
        mlp = torch.nn.Sequential(torch.nn.Linear(FEATURES, 6), torch.nn.ReLU(), torch.nn.Linear(6, 6))
        conv, head = pyg.GINConv(mlp).double(), torch.nn.Linear(6, 2).double()
        weights = {key: torch.from_numpy(value) for key, value in run.weights.items()}
        conv.load_state_dict({"eps": weights["gin1.conv.eps"], **{
            f"nn.{key.removeprefix('gin1.mlp.')}": value for key, value in weights.items() if ".mlp." in key}})
        head.load_state_dict({"weight": weights["head.weight"], "bias": weights["head.bias"]})
        edge_index = torch.from_numpy(random_edges(NODES, EDGES, seed=1))
        with torch.no_grad():
            x = torch.from_numpy(run.input[0])
            expected = head(pool(conv(x, edge_index), torch.zeros(NODES, dtype=torch.long)))
        np.testing.assert_allclose(run.outputs["head"], expected.numpy(), rtol=1e-10, atol=1e-12)
        assert analysis.totals.params == sum(p.numel() for p in [*conv.parameters(), *head.parameters()])


@pytest.mark.parametrize("name, params", [("gcn_cora", 23_063), ("gat_cora", 92_373), ("chebnet_cora", 69_143)])
def test_shipped_graph_specs_count_as_pytorch_geometric(name, params):
    """Kipf & Welling's 23,063, the GAT paper's 92,373 (PyG's GATConv), PyG's ChebNet of K = 3."""
    from reference_models import build

    analysis = analyze_file(SPECS / f"{name}.yaml")
    model = build(f"{name}.yaml")
    assert analysis.totals.params == params == sum(p.numel() for p in model.parameters())


def test_cli_on_a_graph_spec(tmp_path):
    runner = CliRunner()
    table = runner.invoke(main, ["analyze", "gcn_cora"])
    assert table.exit_code == 0, table.output
    assert "23,063" in table.stdout and "gcn_conv" in table.stdout
    report = one_spec(runner.invoke(main, ["analyze", "gcn_cora", "--format", "json"]).stdout)
    assert report["totals"]["params"] == 23_063
    # conv1: 2708*1433*16 + (10556 + 2708)*16; conv2: 2708*16*7 + (10556 + 2708)*7
    assert report["totals"]["macs"] == 2708 * 1433 * 16 + 13264 * 16 + 2708 * 16 * 7 + 13264 * 7
    explained = runner.invoke(main, ["explain", "chebnet_cora", "--layer", "conv1", "--format", "json"])
    steps = {step["figure"]: step["value"] for step in json.loads(explained.stdout)["layers"][0]["steps"]}
    assert steps["transform"] == 3 * 2708 * 1433 * 16  # K*N*F*C
    assert steps["aggregation"] == 2 * (10556 + 2708) * 1433  # (K - 1)*(E + N)*F
    assert steps["spectral"] == 2708 * 1433 * 16 + 13264 * 16  # the GCNConv on the same graph
    text = runner.invoke(main, ["explain", "chebnet_cora", "--layer", "conv1"]).stdout
    assert "spectral filtering" in text and "62,301,248" in text
    spanish = runner.invoke(main, ["explain", "chebnet_cora", "--layer", "conv1", "--lang", "es"]).stdout
    assert "filtrado espectral" in spanish
    for command in (["run", "gat_cora"], ["verify", "chebnet_cora"], ["verify", "gat_cora"]):
        result = runner.invoke(main, command)
        assert result.exit_code == 0, (command, result.output)


@pytest.mark.parametrize("target, against, message", [
    ("pytorch", "torch", "layer conv1: convcalc cannot write a gcn_conv layer as PyTorch source"),
    ("onnx", "onnxruntime", "layer conv1 (gcn_conv): convcalc has no ONNX form for this type, so it cannot be exported")])
def test_the_exporters_refuse_graph_layers_in_one_line(target, against, message, tmp_path):
    """export, and verify --against (which runs the export), refuse a graph layer in one line."""
    for command in (["export", "gcn_cora", "--to", target, "-o", str(tmp_path / "out")],
                    ["verify", "gcn_cora", "--against", against]):
        result = CliRunner().invoke(main, command)
        assert result.exit_code == 2, command
        assert result.stderr.strip().endswith(message) and len(result.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "out").exists()


SQUARE = """name: square
input: [4, 2]
input_values: [[1, 0], [0, 1], [1, 1], [2, 0]]
dtype: float64
graph:
  edge_list: [[0, 1, 2, 3, 1], [1, 2, 3, 0, 0]]
layers:
  - gcn_conv: {name: conv, units: 3}
  - global_mean_pool: {name: pool}
"""


def test_a_written_edge_list_is_what_run_computes_on(tmp_path, one_torch_thread):
    """A 4-node cycle and a chord, written out: E = 5, so GCNConv 2 -> 3 costs 4*2*3 + (5 + 4)*3 = 51
    MACs; run's output is PyG's on the same edge_index."""
    from torch_geometric.nn import global_mean_pool

    path = tmp_path / "square.yaml"
    path.write_text(SQUARE)
    analysis = analyze_file(path)
    assert analysis.totals.macs == 51 and analysis.sizes == {"edges": 5}
    run = execute(analysis, seed=2)
    module = pyg.GCNConv(2, 3).double()
    module.load_state_dict({key.removeprefix("conv."): torch.from_numpy(value) for key, value in run.weights.items()})
    edge_index = torch.tensor([[0, 1, 2, 3, 1], [1, 2, 3, 0, 0]])
    with torch.no_grad():
        expected = global_mean_pool(module(torch.tensor(run.input[0]), edge_index), torch.zeros(4, dtype=torch.long))
    np.testing.assert_allclose(run.outputs["pool"], expected.numpy(), rtol=1e-12)
    result = CliRunner().invoke(main, ["verify", str(path)])
    assert result.exit_code == 0 and "every figure confirmed" in result.stdout, result.output


@pytest.mark.parametrize("graph, message", [
    ("{edge_list: [[0, 1], [1, 1]]}", "leave self-loops out"),
    ("{edge_list: [[0, 1], [1]]}", "two lists of the same length"),
    ("{edges: 3, edge_list: [[0, 1], [1, 0]]}", "edge_list holds 2 edges"),
    ("{}", "give the graph's edges"),
])
def test_a_malformed_graph_is_one_located_line(graph, message, tmp_path):
    path = tmp_path / "g.yaml"
    path.write_text(f"name: g\ninput: [4, 2]\ngraph: {graph}\nlayers:\n  - gcn_conv: {{units: 3}}\n")
    result = CliRunner().invoke(main, ["analyze", str(path)])
    assert result.exit_code == 2 and message in result.stderr and len(result.stderr.strip().splitlines()) == 1
    assert result.stderr.startswith(f"{path}:3:")


def test_an_edge_to_a_node_past_the_input_is_an_error(tmp_path):
    path = tmp_path / "g.yaml"
    path.write_text("name: g\ninput: [4, 2]\ngraph: {edge_list: [[0, 1], [1, 4]]}\nlayers:\n"
                    "  - gcn_conv: {units: 3}\n")
    result = CliRunner().invoke(main, ["analyze", str(path)])
    assert result.exit_code == 1
    assert "names node 4, but the input has 4 nodes" in result.output


def test_explain_names_a_graph_networks_axes_nodes_by_features():
    """Cora: 2,708 nodes of 1,433 features (Kipf and Welling 2017, table 1); GCN's first layer gives 16 per node."""
    from click.testing import CliRunner

    from convcalc.cli import main

    text = CliRunner().invoke(main, ["explain", "gcn_cora", "--lang", "en"]).stdout
    assert "input = N*F = 2708*1433 = 3,880,564" in text and "units = N*F = 2708*16 = 43,328" in text
    assert "C*L" not in text and "feature maps" not in text
