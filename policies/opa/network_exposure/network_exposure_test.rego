package network_exposure_test

import data.network_exposure

plan(resources) := {"env": "prod", "stack": "s", "resources": resources}

gpu_vm(extra) := {
	"urn": "u:vm", "type": "alicloud:ecs/instance:Instance", "name": "vm", "dependencies": [],
	"inputs": object.union({"instanceType": "ecs.gn7i-c8g1.2xlarge"}, extra),
}

found(result) := {[v.policy_id, v.urn, v.message] | some v in result}

test_allow_private_gpu_vm if {
	network_exposure.deny == set() with input as plan([gpu_vm({"internetMaxBandwidthOut": 0})])
}

test_allow_public_ip_on_cpu_vm if {
	vm := {"urn": "u:cpu", "type": "alicloud:ecs/instance:Instance", "name": "cpu", "dependencies": [], "inputs": {
		"instanceType": "ecs.c7.large",
		"internetMaxBandwidthOut": 10,
	}}
	network_exposure.deny == set() with input as plan([vm])
}

test_deny_bandwidth_on_gpu_vm if {
	result := network_exposure.deny with input as plan([gpu_vm({"internetMaxBandwidthOut": 5})])
	found(result) == {[
		"IF-NET-001", "u:vm",
		concat("", [
			"No public IP on GPU nodes or databases: alicloud:ecs/instance:Instance vm asks ",
			"for a public IP (internetMaxBandwidthOut)",
		]),
	]}
}

test_deny_public_launch_template if {
	lt := {"urn": "u:lt", "type": "aws:ec2/launchTemplate:LaunchTemplate", "name": "lt", "dependencies": [], "inputs": {
		"instanceType": "g5.xlarge",
		"networkInterfaces": [{"associatePublicIpAddress": "true"}],
	}}
	result := network_exposure.deny with input as plan([lt])
	found(result) == {[
		"IF-NET-001", "u:lt",
		concat("", [
			"No public IP on GPU nodes or databases: aws:ec2/launchTemplate:LaunchTemplate ",
			"lt asks for a public IP (networkInterfaces.*.associatePublicIpAddress)",
		]),
	]}
}

test_deny_public_database if {
	db := {
		"urn": "u:db",
		"type": "aws:rds/instance:Instance",
		"name": "db",
		"dependencies": [],
		"inputs": {"publiclyAccessible": true},
	}
	{v.policy_id | some v in network_exposure.deny} == {"IF-NET-001"} with input as plan([db])
}

test_deny_eip_association_to_gpu_vm if {
	eip := {
		"urn": "u:eip",
		"type": "alicloud:ecs/eipAssociation:EipAssociation",
		"name": "eip",
		"dependencies": ["u:vm"],
		"inputs": {},
	}
	result := network_exposure.deny with input as plan([gpu_vm({}), eip])
	found(result) == {[
		"IF-NET-002", "u:eip",
		concat("", [
			"No public IP bound to GPU nodes or databases: ",
			"alicloud:ecs/eipAssociation:EipAssociation eip binds a public IP to alicloud:ecs/instance:Instance vm",
		]),
	]}
}

test_deny_node_group_in_public_subnet if {
	subnet := {"urn": "u:s", "type": "aws:ec2/subnet:Subnet", "name": "s", "inputs": {"mapPublicIpOnLaunch": true}}
	ng := {"urn": "u:ng", "type": "aws:eks/nodeGroup:NodeGroup", "name": "ng", "dependencies": ["u:s"], "inputs": {
		"instanceTypes": ["g5.xlarge"],
		"scalingConfig": {"maxSize": 2},
	}}
	found(network_exposure.deny) == {[
		"IF-NET-004", "u:ng",
		concat("", [
			"GPU nodes not in public-IP subnets: aws:eks/nodeGroup:NodeGroup ng runs in ",
			"aws:ec2/subnet:Subnet s, which gives it a public IP",
		]),
	]} with input as plan([subnet, ng])
}

test_allow_node_group_in_private_subnet if {
	subnet := {"urn": "u:s", "type": "aws:ec2/subnet:Subnet", "name": "s", "inputs": {"mapPublicIpOnLaunch": false}}
	ng := {"urn": "u:ng", "type": "aws:eks/nodeGroup:NodeGroup", "name": "ng", "dependencies": ["u:s"], "inputs": {
		"instanceTypes": ["g5.xlarge"],
	}}
	network_exposure.deny == set() with input as plan([subnet, ng])
}

resource(urn, type, inputs) := {"urn": urn, "type": type, "name": urn, "dependencies": [], "inputs": inputs}

cloud_plan(cloud, resources) := object.union(plan(resources), {"cloud": cloud})

rule_urns(result) := {[v.policy_id, v.urn] | some v in result}

test_deny_public_load_balancers_on_every_cloud if {
	balancers := [
		resource("u:hw", "huaweicloud:DedicatedElb/loadbalancer:Loadbalancer", {"ipv4EipId": "(known after apply)"}),
		resource("u:ali", "alicloud:slb/loadBalancer:LoadBalancer", {}),
		resource("u:alb", "alicloud:alb/loadBalancer:LoadBalancer", {"addressType": "Internet"}),
		resource("u:tc", "tencentcloud:Clb/instance:Instance", {"networkType": "OPEN"}),
		resource("u:aws", "aws:lb/loadBalancer:LoadBalancer", {"loadBalancerType": "network"}),
	]
	rule_urns(network_exposure.deny) == {
		["IF-NET-006", "u:hw"], ["IF-NET-006", "u:ali"], ["IF-NET-006", "u:alb"],
		["IF-NET-006", "u:tc"], ["IF-NET-006", "u:aws"],
	} with input as plan(balancers)
}

test_allow_internal_load_balancers if {
	balancers := [
		resource("u:hw", "huaweicloud:DedicatedElb/loadbalancer:Loadbalancer", {"ipv4SubnetId": "s"}),
		resource("u:ali", "alicloud:slb/loadBalancer:LoadBalancer", {"addressType": "intranet"}),
		resource("u:nlb", "alicloud:nlb/loadBalancer:LoadBalancer", {"addressType": "Intranet"}),
		resource("u:tc", "tencentcloud:Clb/instance:Instance", {"networkType": "INTERNAL"}),
		resource("u:aws", "aws:lb/loadBalancer:LoadBalancer", {"internal": true}),
		resource("u:elb", "aws:elb/loadBalancer:LoadBalancer", {"internal": "true"}),
	]
	network_exposure.deny == set() with input as plan(balancers)
}

test_deny_eip_bound_to_shared_elb if {
	elb := resource("u:elb", "huaweicloud:Elb/loadbalancer:Loadbalancer", {"vipSubnetId": "s"})
	eip := object.union(resource("u:eip", "huaweicloud:Vpc/eipAssociate:EipAssociate", {}), {"dependencies": ["u:elb"]})
	found(network_exposure.deny) == {[
		"IF-NET-006", "u:eip",
		concat("", [
			"No public load balancer: huaweicloud:Vpc/eipAssociate:EipAssociate u:eip binds a public IP to ",
			"huaweicloud:Elb/loadbalancer:Loadbalancer u:elb",
		]),
	]} with input as plan([elb, eip])
}

test_deny_kubernetes_api_open_to_the_world if {
	clusters := [
		resource("u:eks", "aws:eks/cluster:Cluster", {"vpcConfig": {"subnetIds": ["a"]}}),
		resource("u:eks2", "aws:eks/cluster:Cluster", {"vpcConfig": {
			"endpointPublicAccess": true,
			"publicAccessCidrs": ["0.0.0.0/1", "128.0.0.0/1"],
		}}),
		resource("u:cce", "huaweicloud:Cce/cluster:Cluster", {"eip": "(known after apply)"}),
		resource("u:ack", "alicloud:cs/managedKubernetes:ManagedKubernetes", {"name": "c"}),
		resource("u:tke", "tencentcloud:Kubernetes/clusterEndpoint:ClusterEndpoint", {"clusterInternet": true}),
		resource("u:tke2", "tencentcloud:Kubernetes/cluster:Cluster", {
			"clusterInternet": true,
			"managedClusterInternetSecurityPolicies": ["(known after apply)"],
		}),
	]
	rule_urns(network_exposure.deny) == {
		["IF-NET-007", "u:eks"], ["IF-NET-007", "u:eks2"], ["IF-NET-007", "u:cce"],
		["IF-NET-007", "u:ack"], ["IF-NET-007", "u:tke"], ["IF-NET-007", "u:tke2"],
	} with input as plan(clusters)
}

test_allow_private_or_restricted_kubernetes_api if {
	clusters := [
		resource("u:eks", "aws:eks/cluster:Cluster", {"vpcConfig": {"endpointPublicAccess": false}}),
		resource("u:eks2", "aws:eks/cluster:Cluster", {"vpcConfig": {"publicAccessCidrs": ["203.0.113.0/24"]}}),
		resource("u:cce", "huaweicloud:Cce/cluster:Cluster", {"name": "c"}),
		resource("u:ack", "alicloud:cs/managedKubernetes:ManagedKubernetes", {"slbInternetEnabled": false}),
		resource("u:tke", "tencentcloud:Kubernetes/cluster:Cluster", {"clusterInternet": false}),
	]
	network_exposure.deny == set() with input as plan(clusters)
}

service(urn, type, annotations, extra) := resource(urn, "kubernetes:core/v1:Service", {
	"metadata": {"annotations": annotations},
	"spec": object.union({"type": type}, extra),
})

test_deny_services_reachable_from_outside if {
	services := [
		service("u:lb", "LoadBalancer", {}, {}),
		service("u:np", "NodePort", {}, {}),
		service("u:other-cloud", "LoadBalancer", {"service.beta.kubernetes.io/aws-load-balancer-scheme": "internal"}, {}),
		service("u:wide", "LoadBalancer", {}, {"loadBalancerSourceRanges": ["0.0.0.0/00"]}),
		service("u:hw-public", "LoadBalancer", {"kubernetes.io/elb.autocreate": `{"type": "public"}`}, {}),
	]
	rule_urns(network_exposure.deny) == {
		["IF-NET-008", "u:lb"], ["IF-NET-008", "u:np"], ["IF-NET-008", "u:other-cloud"],
		["IF-NET-008", "u:wide"], ["IF-NET-008", "u:hw-public"],
	} with input as cloud_plan("huaweicloud", services)
}

test_allow_internal_services_per_cloud if {
	network_exposure.deny == set() with input as cloud_plan("huaweicloud", [
		service("u:a", "LoadBalancer", {"kubernetes.io/elb.autocreate": `{"type":"inner","name":"x"}`}, {}),
		service("u:b", "ClusterIP", {}, {}),
		service("u:c", "LoadBalancer", {}, {"loadBalancerSourceRanges": ["10.0.0.0/8"]}),
	])
	network_exposure.deny == set() with input as cloud_plan("alicloud", [service(
		"u:a", "LoadBalancer", {
			"service.beta.kubernetes.io/alibaba-cloud-loadbalancer-address-type": "intranet",
		},
		{},
	)])
	network_exposure.deny == set() with input as cloud_plan("tencentcloud", [service(
		"u:a", "LoadBalancer", {
			"service.kubernetes.io/qcloud-loadbalancer-internal-subnetid": "subnet-abc123",
		},
		{},
	)])
	network_exposure.deny == set() with input as cloud_plan("aws", [service(
		"u:a", "LoadBalancer", {
			"service.beta.kubernetes.io/aws-load-balancer-scheme": "internal",
		},
		{},
	)])
}

test_deny_public_databases_on_every_cloud if {
	rds := resource("u:rds", "huaweicloud:Rds/instance:Instance", {"flavor": "rds.mysql.x1"})
	eip := object.union(resource("u:eip", "huaweicloud:Vpc/eipAssociate:EipAssociate", {}), {"dependencies": ["u:rds"]})
	databases := [
		rds, eip,
		resource("u:ali", "alicloud:rds/connection:Connection", {"instanceId": "(known after apply)"}),
		resource("u:tc", "tencentcloud:Mysql/instance:Instance", {"internetService": 1}),
		resource("u:aws", "aws:rds/clusterInstance:ClusterInstance", {"publiclyAccessible": true}),
		resource("u:aws2", "aws:rds/instance:Instance", {"publiclyAccessible": "(known after apply)"}),
	]
	rule_urns(network_exposure.deny) == {
		["IF-NET-002", "u:eip"], ["IF-NET-001", "u:ali"], ["IF-NET-001", "u:tc"],
		["IF-NET-001", "u:aws"], ["IF-NET-001", "u:aws2"],
	} with input as plan(databases)
}

# Allowed sources are decided as the internet they admit, not as spellings of 0.0.0.0/0.
test_deny_sources_that_cover_every_internet_address if {
	eks := resource("u:eks", "aws:eks/cluster:Cluster", {"vpcConfig": {
		"endpointPublicAccess": true,
		"publicAccessCidrs": ["0.0.0.0/1", "128.0.0.0/2", "192.0.0.0/3"],
	}})
	lb := service("u:lb", "LoadBalancer", {}, {"loadBalancerSourceRanges": ["2000::/3"]})
	expected := {["IF-NET-007", "u:eks"], ["IF-NET-008", "u:lb"]}
	rule_urns(network_exposure.deny) == expected with input as cloud_plan("aws", [eks, lb])
}

test_allow_sources_off_the_internet if {
	eks := resource("u:eks", "aws:eks/cluster:Cluster", {"vpcConfig": {"publicAccessCidrs": ["100.64.0.0/10"]}})
	lb := service("u:lb", "LoadBalancer", {}, {"loadBalancerSourceRanges": ["fc00::/7", "10.0.0.0/8"]})
	network_exposure.deny == set() with input as cloud_plan("aws", [eks, lb])
}
