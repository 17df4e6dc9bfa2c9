// The network page's graph: Cytoscape.js draws the JSON the page carries (#network-data), the
// start in the middle and each hop on a ring further out. A tap (or click) on an entity opens
// its profile; nothing needs hovering. The tables below the graph hold the same data.
"use strict";

(function () {
  const data = document.getElementById("network-data");
  const container = document.getElementById("network-graph");
  if (!data || !container || typeof cytoscape !== "function") return;
  const network = JSON.parse(data.textContent);
  const colours = { person: "#12284c", vehicle: "#8a4b00", location: "#00703c" };
  const shapes = { person: "ellipse", vehicle: "round-rectangle", location: "diamond" };
  const elements = [
    ...network.nodes.map((node) => ({
      data: {
        id: node.id,
        label: node.label || node.id,
        kind: node.kind,
        hop: node.hop,
        href: node.href,
        start: node.id === network.start ? 1 : 0,
      },
    })),
    ...network.edges.map((edge) => ({
      data: { id: edge.id, source: edge.source, target: edge.target, type: edge.type, weight: edge.weight },
    })),
  ];
  const cy = cytoscape({
    container,
    elements,
    // A busy network is drawn whole first (fitting 500 entities needs a small zoom); labels
    // appear as one zooms in.
    minZoom: 0.02,
    maxZoom: 3,
    layout: {
      name: "concentric",
      concentric: (node) => 10 - node.data("hop"),
      levelWidth: () => 1,
      minNodeSpacing: network.nodes.length > 100 ? 6 : 24,
      animate: false,
    },
    style: [
      {
        selector: "node",
        style: {
          label: "data(label)",
          "background-color": (node) => colours[node.data("kind")] || "#484949",
          shape: (node) => shapes[node.data("kind")] || "ellipse",
          color: "#0b0c0c",
          "font-size": 11,
          "text-valign": "bottom",
          "text-margin-y": 4,
          "text-wrap": "ellipsis",
          "text-max-width": 120,
          "text-background-color": "#fff",
          "text-background-opacity": 0.85,
          "text-background-padding": 2,
          "min-zoomed-font-size": 8,
          width: 28,
          height: 28,
        },
      },
      { selector: "node[start = 1]", style: { width: 40, height: 40, "border-width": 4, "border-color": "#ffdd00" } },
      {
        selector: "edge",
        style: {
          width: (edge) => Math.min(1 + edge.data("weight"), 6),
          "line-color": "#6f777b",
          "curve-style": "bezier",
          label: network.edges.length > 60 ? "" : "data(type)",
          "font-size": 9,
          color: "#484949",
          "text-rotation": "autorotate",
          "text-background-color": "#fff",
          "text-background-opacity": 0.85,
        },
      },
    ],
  });
  cy.on("tap", "node", (event) => {
    const href = event.target.data("href");
    if (href) window.location.assign(href);
  });
  // Opening or closing a <details> above the graph moves it without a scroll or a resize,
  // the only events on which Cytoscape re-reads where its container is: without this, a tap
  // after opening the filters lands beside the node it was aimed at.
  document.addEventListener("toggle", () => cy.resize(), true);
  // Tests and people at the console can reach the drawn graph.
  window.polestar = Object.assign(window.polestar || {}, { network: cy });
  container.dataset.drawn = String(cy.nodes().length);
})();
