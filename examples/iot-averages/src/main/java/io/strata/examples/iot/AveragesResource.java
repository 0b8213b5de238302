package io.strata.examples.iot;

import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.NotFoundException;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;

import java.util.Map;

/** The current averages, as the app has computed them from the readings consumed so far. */
@Path("/averages")
@Produces(MediaType.APPLICATION_JSON)
public class AveragesResource {

    @Inject
    DeviceAverages averages;

    @GET
    public Map<String, DeviceAverage> all() {
        return averages.all();
    }

    @GET
    @Path("/{device}")
    public DeviceAverage one(@PathParam("device") String device) {
        return averages.of(device).orElseThrow(() -> new NotFoundException("no readings from " + device));
    }
}
