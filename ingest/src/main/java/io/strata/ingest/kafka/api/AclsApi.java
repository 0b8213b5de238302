package io.strata.ingest.kafka.api;

import io.strata.membership.security.AclStore;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclBindingFilter;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.acl.AclPermissionType;
import org.apache.kafka.common.errors.ApiException;
import org.apache.kafka.common.errors.InvalidRequestException;
import org.apache.kafka.common.message.CreateAclsRequestData.AclCreation;
import org.apache.kafka.common.message.CreateAclsResponseData;
import org.apache.kafka.common.message.CreateAclsResponseData.AclCreationResult;
import org.apache.kafka.common.message.DeleteAclsResponseData;
import org.apache.kafka.common.message.DeleteAclsResponseData.DeleteAclsFilterResult;
import org.apache.kafka.common.message.DescribeAclsResponseData;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.ApiError;
import org.apache.kafka.common.requests.CreateAclsRequest;
import org.apache.kafka.common.requests.CreateAclsResponse;
import org.apache.kafka.common.requests.DeleteAclsRequest;
import org.apache.kafka.common.requests.DeleteAclsResponse;
import org.apache.kafka.common.requests.DescribeAclsRequest;
import org.apache.kafka.common.requests.DescribeAclsResponse;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourcePattern;
import org.apache.kafka.common.resource.ResourceType;
import org.apache.kafka.common.utils.internals.SecurityUtils;
import org.jboss.logging.Logger;

import java.util.ArrayList;
import java.util.List;

/**
 * CreateAcls, DescribeAcls and DeleteAcls over the cluster's ACL store, with Apache Kafka's validation: an
 * ACL needs a concrete resource type (not ANY or UNKNOWN), a LITERAL or PREFIXED pattern, a principal of the
 * form {@code Type:name}, a host, a concrete operation and permission; the CLUSTER resource is named
 * {@code kafka-cluster}. Filters are Kafka's {@link AclBindingFilter} (MATCH finds every pattern that
 * applies to a resource name, ANY every pattern type). Describe reads the store itself, not the local copy,
 * so an ACL created through any node is listed at once. Thread-safe (the store is).
 */
public final class AclsApi {

    private static final Logger LOG = Logger.getLogger(AclsApi.class);

    /** The name of the one CLUSTER resource, as in Kafka. */
    public static final String CLUSTER_NAME = "kafka-cluster";

    private final AclStore store;

    public AclsApi(AclStore store) {
        this.store = store;
    }

    public CreateAclsResponse createAcls(CreateAclsRequest request) {
        CreateAclsResponseData response = new CreateAclsResponseData();
        for (AclCreation creation : request.aclCreations()) {
            AclCreationResult result = new AclCreationResult().setErrorCode(Errors.NONE.code());
            try {
                AclBinding binding = CreateAclsRequest.aclBinding(creation);
                validate(binding);
                store.add(binding);
            } catch (ApiException e) {
                result.setErrorCode(Errors.forException(e).code()).setErrorMessage(e.getMessage());
            } catch (IllegalArgumentException e) {
                result.setErrorCode(Errors.INVALID_REQUEST.code()).setErrorMessage(e.getMessage());
            } catch (RuntimeException e) {
                LOG.warnf(e, "Creating an ACL failed");
                ApiError error = ApiError.fromThrowable(e);
                result.setErrorCode(error.error().code()).setErrorMessage(error.message());
            }
            response.results().add(result);
        }
        return new CreateAclsResponse(response);
    }

    public DescribeAclsResponse describeAcls(DescribeAclsRequest request) {
        AclBindingFilter filter = request.filter();
        DescribeAclsResponseData response = new DescribeAclsResponseData().setErrorCode(Errors.NONE.code());
        try {
            List<AclBinding> matching = new ArrayList<>();
            for (AclBinding b : store.storedBindings()) {
                if (filter.matches(b)) {
                    matching.add(b);
                }
            }
            response.setResources(DescribeAclsResponse.aclsResources(matching));
        } catch (RuntimeException e) {
            ApiError error = ApiError.fromThrowable(e);
            response.setErrorCode(error.error().code()).setErrorMessage(error.message());
        }
        return new DescribeAclsResponse(response, request.version());
    }

    public DeleteAclsResponse deleteAcls(DeleteAclsRequest request) {
        DeleteAclsResponseData response = new DeleteAclsResponseData();
        for (AclBindingFilter filter : request.filters()) {
            DeleteAclsFilterResult result = new DeleteAclsFilterResult().setErrorCode(Errors.NONE.code());
            try {
                if (filter.isUnknown()) {
                    throw new InvalidRequestException("The filter has an unknown field: " + filter);
                }
                for (AclBinding removed : store.remove(filter)) {
                    result.matchingAcls().add(DeleteAclsResponse.matchingAcl(removed, ApiError.NONE));
                }
            } catch (RuntimeException e) {
                ApiError error = ApiError.fromThrowable(e);
                result.setErrorCode(error.error().code()).setErrorMessage(error.message());
            }
            response.filterResults().add(result);
        }
        return new DeleteAclsResponse(response, request.version());
    }

    /** Kafka's checks of a new ACL (those the codec does not already make while parsing). */
    static void validate(AclBinding binding) {
        if (binding.isUnknown()) {
            throw new InvalidRequestException("The ACL has an unknown field: " + binding);
        }
        ResourcePattern pattern = binding.pattern();
        if (pattern.resourceType() == ResourceType.ANY) {
            throw new InvalidRequestException("An ACL needs a concrete resource type, not ANY");
        }
        if (pattern.patternType() != PatternType.LITERAL && pattern.patternType() != PatternType.PREFIXED) {
            throw new InvalidRequestException("An ACL's pattern type must be LITERAL or PREFIXED, not " + pattern.patternType());
        }
        if (pattern.name() == null || pattern.name().isEmpty()) {
            throw new InvalidRequestException("An ACL's resource name must not be empty");
        }
        if (pattern.resourceType() == ResourceType.CLUSTER && !CLUSTER_NAME.equals(pattern.name())) {
            throw new InvalidRequestException("The only valid name for the CLUSTER resource is " + CLUSTER_NAME);
        }
        if (binding.entry().operation() == AclOperation.ANY || binding.entry().permissionType() == AclPermissionType.ANY) {
            throw new InvalidRequestException("An ACL needs a concrete operation and permission type");
        }
        if (binding.entry().host() == null || binding.entry().host().isEmpty()) {
            throw new InvalidRequestException("An ACL needs a host (* for any)");
        }
        try {
            SecurityUtils.parseKafkaPrincipal(binding.entry().principal());
        } catch (IllegalArgumentException e) {
            throw new InvalidRequestException("Invalid principal " + binding.entry().principal() + ": " + e.getMessage());
        }
    }
}
