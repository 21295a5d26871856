"""Background work of rasters/: COG conversion and flood analysis, run by the Procrastinate worker."""

from procrastinate.contrib.django import app

from jobs.services import municipal_job
from rasters import flood, services
from rasters.models import FloodAnalysis, Raster, RasterStatus


@app.task(name="rasters.convert")
@municipal_job
def raster_convert(task, progress, *, raster_id: int):
    raster = Raster.objects.get(pk=raster_id)
    try:
        services.raster_convert(raster=raster, progress=progress)
    except Exception as error:
        raster.status = RasterStatus.FAILED
        raster.message = "\n".join(getattr(error, "messages", [])) or task.title
        raster.save(update_fields=["status", "message"])
        raise
    return {"raster": raster.pk, "cog": raster.cog.name}


@app.task(name="rasters.flood")
@municipal_job
def flood_analyse(task, progress, *, analysis_id: int):
    analysis = FloodAnalysis.objects.select_related("raster", "municipality").get(pk=analysis_id)
    summary = flood.flood_analyse(analysis=analysis, progress=progress)
    return {"analysis": analysis.pk, "flooded": summary["flooded"], "households": summary["households"]}
