"""Web-Mercator PNG tiles cut from a raster's COG with rio-tiler, served by our own views.

RGB images (three bands or more) are drawn as they are; single bands are stretched over their 2–98 %
range and coloured: flood depth in blues with dry cells transparent, elevation with a terrain ramp.
"""

from rio_tiler.colormap import cmap
from rio_tiler.errors import TileOutsideBounds
from rio_tiler.io import Reader

from rasters.models import Raster, RasterKind
from rasters.services import local_path

TILE_SIZE = 256
COLOURMAPS = {
    RasterKind.FLOOD_DEPTH: "blues",
    RasterKind.FLOOD_EXTENT: "blues",
    RasterKind.DEM: "terrain",
    RasterKind.ORTHOPHOTO: "gray",
    RasterKind.OTHER: "viridis",
}


def _colourmap(kind: str) -> dict:
    colours = dict(cmap.get(COLOURMAPS[kind]))
    if kind in (RasterKind.FLOOD_DEPTH, RasterKind.FLOOD_EXTENT):
        colours[0] = (0, 0, 0, 0)  # dry land stays see-through
    return colours


def render_tile(raster: Raster, z: int, x: int, y: int) -> bytes | None:
    """The PNG of tile z/x/y, or None where the raster has no data."""
    with local_path(raster.cog) as path, Reader(str(path)) as src:
        try:
            image = src.tile(x, y, z, tilesize=TILE_SIZE, indexes=(1, 2, 3) if raster.band_count >= 3 else (1,))
        except TileOutsideBounds:
            return None
    if raster.band_count >= 3:
        if raster.dtype != "uint8":
            image = image.rescale(in_range=[tuple(r) for r in raster.value_range[:3]])
        return image.render(img_format="PNG")
    low, high = raster.value_range[0] if raster.value_range else (0.0, 1.0)
    if raster.kind in (RasterKind.FLOOD_DEPTH, RasterKind.FLOOD_EXTENT):
        low = 0.0  # depth 0 is dry: the first colour, transparent
    image = image.rescale(in_range=[(low, high if high > low else low + 1)], out_range=[(0, 255)])
    return image.render(img_format="PNG", colormap=_colourmap(raster.kind))
